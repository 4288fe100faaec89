import { ResourceManager } from './resource-manager';

describe('ResourceManager token', () => {
  it('is one global symbol, so that the engine and the implementation meet on it', () => {
    expect(ResourceManager).toBe(Symbol.for('capstan.ResourceManager'));
  });
});
