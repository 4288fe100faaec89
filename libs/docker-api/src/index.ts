// The public API of @capstan/docker-api (reviewed in api/docker-api.api.md): named exports only.
export { containerUser, type HostIdentity, invokingIdentity } from './container-user';
export { type ContainerCreateSpec } from './docker-client';
export { planDiskFolders } from './extra-disks';
