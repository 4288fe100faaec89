import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { acceptCreateTask } from './accept-create-task';

const executor = { image: 'alpine:3', command: ['true'] };
const options = { supportedBackendParameters: ['VmSize'] };

describe('acceptCreateTask', () => {
  it('validates, keeps supported backend parameters and warns about dropped ones', () => {
    const { task, warnings } = acceptCreateTask({ executors: [executor], resources: { cpu_cores: 2, backend_parameters: { vmsize: 'D4', gpu: 'A100' } } }, options);
    expect(task.resources).toEqual({ cpu_cores: 2, backend_parameters: { VmSize: 'D4' }, backend_parameters_strict: false });
    expect(warnings).toEqual(['dropped the backend_parameters key "gpu": this service does not support it (supported: "VmSize")']);
  });

  it('refuses unsupported keys under backend_parameters_strict', () => {
    const body = { executors: [executor], resources: { backend_parameters: { gpu: 'A100' }, backend_parameters_strict: true } };
    expect(() => acceptCreateTask(body, options)).toThrow(CapstanError);
    expect(() => acceptCreateTask(body, options)).toThrow(expect.objectContaining({ code: ErrorCode.TesUnsupportedBackendParameters }));
  });

  it('leaves resources without backend_parameters as they are', () => {
    expect(acceptCreateTask({ executors: [executor], resources: { ram_gb: 1 } }, options)).toEqual({
      task: { inputs: [], outputs: [], resources: { ram_gb: 1, backend_parameters_strict: false }, executors: [executor], volumes: [], tags: {} },
      warnings: [],
    });
  });

  it('notes the read-only and unknown fields it ignored', () => {
    const { warnings } = acceptCreateTask({ executors: [{ ...executor, ports: [80] }], id: 'x', state: 'RUNNING', priority: 1 }, options);
    expect(warnings).toEqual([
      'ignored the read-only field "id": the server sets it',
      'ignored the read-only field "state": the server sets it',
      'ignored the field "priority": TES v1.1 does not define it',
      'ignored the field "executors.0.ports": TES v1.1 does not define it',
    ]);
  });

  it('refuses what validateCreateTask refuses', () => {
    expect(() => acceptCreateTask({ executors: [] }, options)).toThrow(expect.objectContaining({ code: ErrorCode.TesInvalidTask, path: 'executors' }));
  });
});
