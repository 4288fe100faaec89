import { registerBackend } from '@capstan/core-constraints';
import type { DependencyContainer } from 'tsyringe';
import { LocalBackend } from './local-backend';
import { type LocalBackendOptions } from './local-backend-options';

/** Registers the local backend (no container) under the backend token. */
export function registerLocalBackend(container: DependencyContainer, options: LocalBackendOptions = {}): void {
  registerBackend(container, () => new LocalBackend(options));
}
