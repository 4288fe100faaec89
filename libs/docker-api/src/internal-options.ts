// First-party only, as internal.ts: the engine options the docker and podman plugins' schemas are built from. A
// plugin's import reads its schema only, and internal.ts would evaluate the whole attempt pipeline and dockerode.
export { configCheck, engineApiOptionsShape, oneEngineAddress, parseEngineOptions } from './engine-options';
