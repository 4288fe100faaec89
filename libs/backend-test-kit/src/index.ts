export * from './backend-test-run';
export * from './local-registry';
export * from './hardening-probe';
export * from './socket-proxy';
export * from './fault-run';
export * from './hostile-host';
