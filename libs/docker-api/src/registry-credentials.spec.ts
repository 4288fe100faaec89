import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RegistryCredentials } from './registry-credentials';

describe('RegistryCredentials', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-docker-config-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const write = (value: unknown): Promise<void> => writeFile(join(dir, 'config.json'), JSON.stringify(value));

  it('reads base64 auth, username/password and identity tokens from $DOCKER_CONFIG/config.json', async () => {
    await write({
      auths: {
        'https://index.docker.io/v1/': { auth: Buffer.from('hub:pa:ss').toString('base64') },
        '127.0.0.1:5000': { username: 'capstan', password: 'secret' },
        'ghcr.io': { identitytoken: 'tok' },
        'broken.example': { auth: Buffer.from('no-colon').toString('base64') },
      },
      credsStore: 'desktop',
    });
    const credentials = RegistryCredentials.load({}, { DOCKER_CONFIG: dir });
    expect(credentials.forImage('ubuntu:22.04')).toEqual({ username: 'hub', password: 'pa:ss', serveraddress: 'docker.io' });
    expect(credentials.forImage('127.0.0.1:5000/capstan/busybox:1')).toEqual({ username: 'capstan', password: 'secret', serveraddress: '127.0.0.1:5000' });
    expect(credentials.forImage('ghcr.io/o/r:1')).toEqual({ identitytoken: 'tok', serveraddress: 'ghcr.io' });
    expect(credentials.forImage('broken.example/x')).toBeUndefined();
    expect(credentials.forImage('quay.io/x')).toBeUndefined();
  });

  it('lets the options win over the config file', async () => {
    await write({ auths: { '127.0.0.1:5000': { username: 'old', password: 'old' } } });
    const credentials = RegistryCredentials.load({ '127.0.0.1:5000': { username: 'new', password: 'pw' } }, { DOCKER_CONFIG: dir });
    expect(credentials.forImage('127.0.0.1:5000/a/b')).toMatchObject({ username: 'new', password: 'pw' });
  });

  it('treats a missing file as no credentials and an unreadable one as a config error', async () => {
    expect(RegistryCredentials.load({}, { DOCKER_CONFIG: dir }).registries).toEqual([]);
    await writeFile(join(dir, 'config.json'), '{ not json');
    expect(() => RegistryCredentials.load({}, { DOCKER_CONFIG: dir })).toThrow(expect.objectContaining({ code: 'config.invalid' }));
  });

  it('reads an engine’s own auth files first (in order), then $DOCKER_CONFIG/config.json; options win over all', async () => {
    await write({ auths: { 'a.example': { username: 'docker', password: 'd' }, 'b.example': { username: 'docker', password: 'd' } } });
    const first = join(dir, 'first.json');
    const second = join(dir, 'second.json');
    await writeFile(first, JSON.stringify({ auths: { 'a.example': { auth: Buffer.from('first:1').toString('base64') } } }));
    await writeFile(second, JSON.stringify({ auths: { 'a.example': { username: 'second', password: '2' }, 'c.example': { username: 'second', password: '2' } } }));
    const credentials = RegistryCredentials.load({ 'c.example': { username: 'option', password: 'o' } }, { DOCKER_CONFIG: dir }, [first, second, join(dir, 'absent.json')]);
    expect(credentials.forImage('a.example/x:1')).toMatchObject({ username: 'first' });
    expect(credentials.forImage('b.example/x:1')).toMatchObject({ username: 'docker' });
    expect(credentials.forImage('c.example/x:1')).toMatchObject({ username: 'option' });
    await writeFile(second, '{ broken');
    expect(() => RegistryCredentials.load({}, { DOCKER_CONFIG: dir }, [second])).toThrow(/second\.json is not valid JSON/);
  });
});
