export * from './container-spec';
export * from './docker-backend';
export * from './docker-backend-options';
export * from './docker-capabilities';
export * from './register-docker-backend';
