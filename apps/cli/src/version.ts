// The version's one home is the CLI package's package.json (nx release bumps it); esbuild inlines the one field, so
// the bundled CLI needs no package.json beside it at run time.
import { version } from '../package.json';

export const CAPSTAN_VERSION: string = version;
