// The nice backend proves itself the way Capstan's own backends do: with the shared suite, from the installed
// @capstan/backend-conformance (`npm test` runs it with jest on the compiled module).
import { describeBackendConformance } from '@capstan/backend-conformance';
import { NiceBackend } from './nice-backend.js';

describeBackendConformance({ name: 'nice', create: () => new NiceBackend({ graceSeconds: 2 }), image: '*' });
