import { tesResourcesSchema } from './tes-resources';

describe('tesResources', () => {
  it('reads every field and defaults backend_parameters_strict to false', () => {
    const resources = { cpu_cores: 4, preemptible: false, ram_gb: 8, disk_gb: 40, zones: ['us-west-1'], backend_parameters: { VmSize: 'Standard_D64_v3' } };
    expect(tesResourcesSchema.parse(resources)).toEqual({ ...resources, backend_parameters_strict: false });
    expect(tesResourcesSchema.parse({})).toEqual({ backend_parameters_strict: false });
    expect(tesResourcesSchema.parse({ backend_parameters_strict: true })).toEqual({ backend_parameters_strict: true });
  });

  it.each([{ cpu_cores: 1.5 }, { cpu_cores: 2 ** 31 }, { ram_gb: '8' }, { zones: 'us-west-1' }, { backend_parameters: { a: 1 } }, { preemptible: 0 }])('refuses %j', (value) => {
    expect(tesResourcesSchema.safeParse(value).success).toBe(false);
  });
});
