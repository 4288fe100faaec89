import { ErrorCode } from '@capstan/core-constraints';
import { captureCapstanError } from '../testing/capture-capstan-error';
import { applyBackendParameters } from './backend-parameters';

const supported = ['VmSize', 'docker_runtime'] as const;

describe('applyBackendParameters', () => {
  it.each<[Record<string, string> | undefined, Record<string, string>, string[]]>([
    [undefined, {}, []],
    [{}, {}, []],
    [{ VmSize: 'Standard_D64_v3' }, { VmSize: 'Standard_D64_v3' }, []],
    [{ vmsize: 'a', DOCKER_RUNTIME: 'runc' }, { VmSize: 'a', docker_runtime: 'runc' }, []],
    [{ VmSize: 'a', gpu_model: 'A100', Zone: 'x' }, { VmSize: 'a' }, ['gpu_model', 'Zone']],
    [{ vmsize: 'a', VMSIZE: 'a' }, { VmSize: 'a' }, []],
  ])('sorts %j into kept %j and dropped %j (keys are case-insensitive)', (parameters, kept, dropped) => {
    const resources = parameters === undefined ? undefined : { backend_parameters: parameters, backend_parameters_strict: false };
    expect(applyBackendParameters(resources, supported)).toEqual({ kept, dropped });
  });

  it('drops everything when the service supports no keys', () => {
    expect(applyBackendParameters({ backend_parameters: { VmSize: 'a' }, backend_parameters_strict: false }, [])).toEqual({ kept: {}, dropped: ['VmSize'] });
  });

  it('refuses unsupported keys under backend_parameters_strict, naming them and the supported ones', () => {
    const error = captureCapstanError(() => applyBackendParameters({ backend_parameters: { VmSize: 'a', gpu_model: 'A100', Zone: 'x' }, backend_parameters_strict: true }, supported));
    expect(error.code).toBe(ErrorCode.TesUnsupportedBackendParameters);
    expect(error.path).toBe('resources.backend_parameters');
    expect(error.message).toBe(
      'resources.backend_parameters has the keys "gpu_model" and "Zone", which this service does not support, and backend_parameters_strict is true; ' +
        'the supported keys are "VmSize" and "docker_runtime": remove the others, or set backend_parameters_strict to false to run the task without them',
    );
    expect(error.details).toEqual({ unsupported: ['gpu_model', 'Zone'], supported: ['VmSize', 'docker_runtime'] });
  });

  it('says when no key is supported at all', () => {
    const error = captureCapstanError(() => applyBackendParameters({ backend_parameters: { VmSize: 'a' }, backend_parameters_strict: true }, []));
    expect(error.message).toContain('has the key "VmSize", which this service does not support');
    expect(error.message).toContain('the supported keys are none');
  });

  it('accepts supported keys under backend_parameters_strict', () => {
    expect(applyBackendParameters({ backend_parameters: { VMSIZE: 'a' }, backend_parameters_strict: true }, supported)).toEqual({ kept: { VmSize: 'a' }, dropped: [] });
  });

  it('refuses two spellings of one key with different values', () => {
    const error = captureCapstanError(() => applyBackendParameters({ backend_parameters: { VmSize: 'a', vmsize: 'b' }, backend_parameters_strict: false }, supported));
    expect(error.code).toBe(ErrorCode.TesInvalidTask);
    expect(error.path).toBe('resources.backend_parameters.vmsize');
    expect(error.message).toBe(
      'resources.backend_parameters has both "VmSize" ("a") and "vmsize" ("b"); keys are case-insensitive, so both set "VmSize": keep one of them',
    );
  });
});
