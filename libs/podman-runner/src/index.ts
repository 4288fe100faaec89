export * from './container-spec';
export * from './image-names';
export * from './podman-backend';
export * from './podman-backend-options';
export * from './podman-capabilities';
export * from './podman-endpoint';
export * from './podman-service';
export * from './register-podman-backend';
