import { type ResourceAmounts } from '@capstan/core-constraints';
import { accountedResources, admissionImpossible, type Excess } from './admission-errors';
import { toRequestShape, type LedgerUnits, type RequestShape } from './ledger-units';
import { validateAmounts } from './validate-amounts';

const unitOf = { cpu: 'cpuMilli', memory: 'memory', gpu: 'gpu' } as const;

/**
 * Validates a request and returns its shape, or throws: `value.invalid` for nonsense amounts, `admission.impossible`
 * when it is above the per-task maximum in any dimension (such a task would otherwise wait forever).
 */
export function checkAdmissible(
  taskName: string,
  request: ResourceAmounts,
  perTaskMaxUnits: LedgerUnits,
  perTaskMax: ResourceAmounts,
): RequestShape {
  validateAmounts(request, 'request');
  const shape = toRequestShape(request);
  // Nearly every request fits: decide that without building arrays, since this runs on every acquire.
  const fits = shape.cpuMilli <= perTaskMaxUnits.cpuMilli && shape.memory <= perTaskMaxUnits.memory && shape.gpu <= perTaskMaxUnits.gpu;
  if (fits) return shape;
  const excesses: Excess[] = accountedResources
    .filter((resource) => shape[unitOf[resource]] > perTaskMaxUnits[unitOf[resource]])
    .map((resource) => ({ resource, requested: request[resource], limit: perTaskMax[resource] }));
  const [first, ...rest] = excesses;
  if (first === undefined) return shape; // unreachable once `fits` is false; keeps the non-empty tuple type honest
  throw admissionImpossible(taskName, [first, ...rest]);
}
