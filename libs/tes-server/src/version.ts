// The version's one home is this package's package.json (nx release bumps it). esbuild inlines the one field into
// the package's own build and into the apps that bundle this library, so nothing reads package.json at run time.
import { version } from '../package.json';

/** The version of @capstan/tes-server: service-info's `version` unless the options give another. */
export const TES_SERVER_VERSION: string = version;
