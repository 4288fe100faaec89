export * from './local-backend';
export * from './register-local-backend';
export * from './local-backend-options';
