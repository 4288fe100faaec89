import { type Backend, namedBackend } from '@capstan/core-constraints';
import { DockerBackend } from '@capstan/docker-runner';
import { routeRuleSchema } from '@capstan/engine';
import { LocalBackend } from '@capstan/local-runner';
import { ResourceLedger } from '@capstan/resource-manager';
import { describeBackendConformance } from './conformance';

// One engine of two named backends, as `backends: { here: { type: local }, box: { type: docker } }` builds it: the
// suite runs unchanged on each, a catch-all rule sending its tasks there, each backend admitted by its own ledger.
const here = namedBackend(new LocalBackend({ graceSeconds: 2 }), 'here');
const box = namedBackend(new DockerBackend({ graceSeconds: 2, pullPolicy: 'if-not-present' }), 'box');
const all: readonly Backend[] = [here, box];

for (const [backend, image, missingImage] of [
  [here, '*', undefined],
  [box, 'capstan-test/busybox:1', '127.0.0.1:5000/capstan/missing:1'],
] as const) {
  const others = all.filter((other) => other !== backend);
  describeBackendConformance({
    name: `multi-backend engine, ${backend.name}`,
    create: () => backend,
    image,
    ...(missingImage === undefined ? {} : { missingImage }),
    others,
    engine: {
      // The default is the other backend: a task reaching the one under test was routed there by the rule.
      backend: others[0]?.name as string,
      routing: { names: all.map((one) => one.name), rules: [routeRuleSchema.parse({ backend: backend.name })], defaultBackend: others[0]?.name as string },
      backendLedger: async (chosen) => {
        const { total, perTaskMax } = await chosen.capacity();
        return new ResourceLedger({ capacity: total, perTaskMax });
      },
    },
  });
}
