import { type BackendCapabilities } from '@capstan/core-constraints';

/**
 * What the tes backend can promise. TES 1.1 lets a client ask for cpu cores, RAM and disk, but says nothing of
 * enforcing them, of read-only inputs, of networks or of users: each server decides. So every enforcement flag is
 * false (a `max_cpu`/`max_memory` hint is then refused or warned about by the engine, as for `local`), and GPUs are
 * false because TES 1.1 has no field to ask for one (only server-specific `backend_parameters`).
 */
export const TES_CAPABILITIES: BackendCapabilities = {
  // Executors name Docker images; the spec knows no other kind.
  containerKinds: ['docker'],
  runsContainers: true,
  enforcesMemoryLimit: false,
  enforcesCpuLimit: false,
  gpus: false,
  readOnlyInputs: false,
  networkIsolation: false,
  runsAsInvokingUser: false,
  enforcesDiskSize: false,
  // The server queues and places tasks itself: Capstan's resource manager runs unlimited.
  schedulesItself: true,
  // TES 1.1 has no usage fields; against a Capstan server the backend declares `final-only` (its task log metadata).
  usage: 'unavailable',
};
