import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type * as Options from './tes-service-options';

// service-info's version follows the package's package.json, the one file nx release bumps: a stand-in package.json
// with another version shows the default reads it, rather than a literal that happens to match today.
describe('tesServiceOptionsSchema version', () => {
  const minimal = { dataDir: '/var/lib/capstan-tes', defaultBackend: 'docker' };
  afterEach(() => jest.resetModules());

  const loadSchema = (): typeof Options.tesServiceOptionsSchema => (jest.requireActual('./tes-service-options') as typeof Options).tesServiceOptionsSchema;

  function schemaWithPackageVersion(version: unknown): typeof Options.tesServiceOptionsSchema {
    jest.resetModules();
    jest.doMock('../../package.json', () => ({ version }));
    return loadSchema();
  }

  it("defaults to the package's own version, as written in its package.json", () => {
    const { version } = JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(loadSchema().parse(minimal).version).toBe(version);
    expect(schemaWithPackageVersion('7.7.7-stand-in').parse(minimal).version).toBe('7.7.7-stand-in');
  });

  it('keeps a version a deployment names, and refuses an empty one (fault)', () => {
    const schema = schemaWithPackageVersion('1.2.3');
    expect(schema.parse({ ...minimal, version: '2026.12-site' }).version).toBe('2026.12-site');
    expect(() => schema.parse({ ...minimal, version: '' })).toThrow();
  });
});
