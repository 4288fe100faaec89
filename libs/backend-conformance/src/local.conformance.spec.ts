import { LocalBackend } from '@capstan/local-runner';
import { describeBackendConformance } from './conformance';

describeBackendConformance({ name: 'local', create: () => new LocalBackend({ graceSeconds: 2 }), image: '*' });
