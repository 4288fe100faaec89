// The out-of-tree example backend proves itself the way any third party's would: with the shared suite.
import { describeBackendConformance } from '@capstan/backend-conformance';
import { NiceBackend } from './nice-backend';

describeBackendConformance({ name: 'nice', create: () => new NiceBackend({ graceSeconds: 2 }), image: '*' });
