import { ResourceManager } from '@capstan/core-constraints';
import { type DependencyContainer } from 'tsyringe';
import { type ResourceLedgerOptions } from './ledger-options';
import { ResourceLedger } from './resource-ledger';

/** Registers one ResourceLedger as the container's ResourceManager and returns it. */
export function registerResourceManager(container: DependencyContainer, options: ResourceLedgerOptions): ResourceLedger {
  const ledger = new ResourceLedger(options);
  container.registerInstance(ResourceManager, ledger);
  return ledger;
}
