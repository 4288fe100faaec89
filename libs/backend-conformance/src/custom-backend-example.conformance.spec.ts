// The out-of-tree example backend proves itself the way any third party's would: with the shared suite.
import { NiceBackend } from '../../../examples/custom-backend/nice-backend';
import { describeBackendConformance } from './conformance';

describeBackendConformance({ name: 'nice (examples/custom-backend)', create: () => new NiceBackend({ graceSeconds: 2 }), image: '*' });
