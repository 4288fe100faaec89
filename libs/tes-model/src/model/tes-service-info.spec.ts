import { TES_ARTIFACT, TES_SERVICE_GROUP, TES_SPEC_VERSION, tesServiceInfoSchema } from './tes-service-info';

const info = {
  id: 'org.example.capstan',
  name: 'Capstan TES',
  type: { group: TES_SERVICE_GROUP, artifact: TES_ARTIFACT, version: TES_SPEC_VERSION },
  organization: { name: 'Example', url: 'https://example.org' },
  version: '0.1.0',
};

describe('tesServiceInfo', () => {
  it('reads the required GA4GH service fields', () => {
    expect(tesServiceInfoSchema.parse(info)).toEqual(info);
  });

  it('reads the optional GA4GH and TES fields', () => {
    const full = {
      ...info,
      description: 'Runs tasks in containers',
      contactUrl: 'mailto:support@example.org',
      documentationUrl: 'https://example.org/docs',
      createdAt: '2019-06-04T12:58:19Z',
      updatedAt: '2019-06-04T12:58:19Z',
      environment: 'test',
      storage: ['file:///path/to/local/funnel-storage', 's3://ohsu-compbio-funnel/storage'],
      tesResources_backend_parameters: ['VmSize'],
    };
    expect(tesServiceInfoSchema.parse(full)).toEqual(full);
  });

  it.each<[string, Record<string, unknown>]>([
    ['no id', { id: undefined }],
    ['no name', { name: undefined }],
    ['no version', { version: undefined }],
    ['no organization', { organization: undefined }],
    ['an organization without url', { organization: { name: 'x' } }],
    ['an organization url that is not a URL', { organization: { name: 'x', url: 'example' } }],
    ['another artifact', { type: { group: 'org.ga4gh', artifact: 'wes', version: '1.0.0' } }],
    ['a type without version', { type: { group: 'org.ga4gh', artifact: 'tes' } }],
    ['a bad createdAt', { createdAt: 'June 2019' }],
    ['storage not a list', { storage: 's3://b' }],
    ['backend parameters not strings', { tesResources_backend_parameters: [1] }],
  ])('refuses %s', (_case, change) => {
    expect(tesServiceInfoSchema.safeParse({ ...info, ...change }).success).toBe(false);
  });
});
