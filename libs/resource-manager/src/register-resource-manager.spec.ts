import { ResourceManager } from '@capstan/core-constraints';
import { container } from 'tsyringe';
import { amounts } from './ledger-test-kit';
import { registerResourceManager } from './register-resource-manager';
import { ResourceLedger } from './resource-ledger';

describe('registerResourceManager', () => {
  it('registers one ResourceLedger under the ResourceManager token', () => {
    const child = container.createChildContainer();
    const ledger = registerResourceManager(child, { capacity: amounts(4, 16) });
    expect(ledger).toBeInstanceOf(ResourceLedger);
    expect(child.resolve(ResourceManager)).toBe(ledger);
    expect(child.resolve(ResourceManager)).toBe(ledger);
  });

  it('refuses nonsense options before registering anything', () => {
    const child = container.createChildContainer();
    expect(() => registerResourceManager(child, { capacity: amounts(-4, 16) })).toThrow(/capacity\.cpu/);
    expect(child.isRegistered(ResourceManager)).toBe(false);
  });
});
