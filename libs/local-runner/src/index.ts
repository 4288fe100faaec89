export * from './local-backend';
export * from './register-local-backend';
