export * from './foreign-owners';
export * from './owner-process';
export * from './reap-orphans';
export * from './retention';
export * from './old-runs';
