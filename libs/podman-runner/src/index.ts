// The public API of @capstan/podman-runner (reviewed in api/podman-runner.api.md): named exports only.
export { buildPodmanContainerSpec, type PodmanContainerPlan } from './container-spec';
export { PodmanBackend, type PodmanBackendDependencies } from './podman-backend';
export {
  parsePodmanBackendOptions,
  type PodmanBackendOptions,
  type PodmanBackendOptionsInput,
  podmanBackendOptionsSchema,
} from './podman-backend-options';
export { PodmanFactsCache } from './facts-cache';
export { type PodmanFacts } from './podman-service';
export { registerPodmanBackend } from './register-podman-backend';
export { podmanBackendPlugin } from './podman-backend-plugin';
