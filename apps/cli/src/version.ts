// The version's one home is the workspace's package.json, outside this project; esbuild inlines the one field, so
// the bundled CLI needs no package.json beside it at run time.
// eslint-disable-next-line @nx/enforce-module-boundaries
import { version } from '../../../package.json';

export const CAPSTAN_VERSION: string = version;
