export * from './spec';
export * from './parse';
export * from './help';
export * from './markdown';
export * from './completion';
