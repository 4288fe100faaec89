import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { translateContainerSpec } from './host-path-client';
import { toHostPaths } from './host-path-resolver';
import { attemptBinds, HostPathMap } from './host-paths';

const container = { kind: 'container', id: '3f2a1b9c0d4e'.padEnd(64, '0'), name: 'capstan' } as const;
const mounts = [
  { inside: '/data', outside: '/srv/data' },
  { inside: '/data/big', outside: '/mnt/disk2/big' },
  { inside: '/var/run/docker.sock', outside: '/var/run/docker.sock' },
];

describe('HostPathMap', () => {
  const map = new HostPathMap(mounts, container);

  it('translates through the longest mounted prefix', () => {
    expect(map.toHost('/data/runs/a/work')).toBe('/srv/data/runs/a/work');
    expect(map.toHost('/data/big/reads.fq')).toBe('/mnt/disk2/big/reads.fq');
    expect(map.toHost('/data')).toBe('/srv/data');
    expect(map.toHost('/data/big/')).toBe('/mnt/disk2/big');
    expect(() => map.toHost('/database/x')).toThrow(/\/database\/x is not visible/); // a prefix of a name is not a parent
  });

  it('refuses a path in the container’s own filesystem, naming it, the container, what is mounted and the fix', () => {
    expect(() => map.toHost('/scratch/runs/work', 'the work dir')).toThrow(
      expect.objectContaining({
        code: 'config.invalid',
        message:
          'the work dir /scratch/runs/work is not visible to the daemon: Capstan runs in container capstan (3f2a1b9c0d4e), and /scratch/runs/work ' +
          "lies in that container's own filesystem, not in a folder mounted from the host (mounted: /data, /data/big, /var/run/docker.sock); " +
          'mount a host folder there (e.g. docker run -v /srv/capstan/scratch:/scratch ...), or keep Capstan\'s work root and inputs under a mounted folder',
      }),
    );
  });

  it('names the option when a configured map does not cover a path', () => {
    const configured = new HostPathMap([{ inside: '/work', outside: '/home/me/work' }], { kind: 'configured', option: 'docker.hostPathMap' });
    expect(configured.toHost('/work/x')).toBe('/home/me/work/x');
    expect(() => configured.toHost('/elsewhere/in.txt', 'input')).toThrow(
      expect.objectContaining({ code: 'config.invalid', path: 'docker.hostPathMap', message: expect.stringContaining('input /elsewhere/in.txt is under none of the folders of docker.hostPathMap (/work)') }),
    );
    expect(new HostPathMap([{ inside: '/', outside: '/' }], { kind: 'configured', option: 'docker.hostPathMap' }).toHost('/any/where')).toBe('/any/where');
  });

  it('leaves paths alone when there is nothing to translate', () => {
    const same = HostPathMap.same();
    expect(same.translates).toBe(false);
    expect(same.toHost('/anything/at/all')).toBe('/anything/at/all');
    expect(same.describe()).toBe('the same paths as the daemon');
  });

  it('describes itself for probes', () => {
    expect(map.describe()).toBe('container 3f2a1b9c0d4e (capstan): /data -> /srv/data, /data/big -> /mnt/disk2/big, /var/run/docker.sock -> /var/run/docker.sock');
  });
});

describe('translating binds', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-host-paths-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('lists an attempt’s binds with their targets and modes', () => {
    const binds = attemptBinds(
      { workDir: '/w/1/work', commandFile: '/w/1/command' },
      [{ hostPath: '/data/in.fq', guestPath: '/mnt/task/inputs/in.fq' }, { hostPath: '/data/shared', guestPath: '/mnt/shared', writable: true }],
      [{ hostPath: '/w/1/disks/scratch', mountPoint: '/scratch' }],
    );
    expect(binds.map((bind) => [bind.role, bind.path, bind.target, bind.readOnly])).toEqual([
      ['the work dir', '/w/1/work', '/mnt/task/work', false],
      ['the command file', '/w/1/command', '/mnt/task/command', true],
      ['input', '/data/in.fq', '/mnt/task/inputs/in.fq', true],
      ['input', '/data/shared', '/mnt/shared', false],
      ['the folder of disk /scratch', '/w/1/disks/scratch', '/scratch', false],
    ]);
  });

  it('resolves symlinks in Capstan’s view before translating (the host knows only the real folder)', async () => {
    await mkdir(join(dir, 'real'));
    await symlink(join(dir, 'real'), join(dir, 'link'));
    const map = new HostPathMap([{ inside: join(dir, 'real'), outside: '/host/real' }], container);
    const [bind] = await toHostPaths(map, [{ role: 'the work dir', path: join(dir, 'link') }]);
    expect(bind?.path).toBe('/host/real');
  });

  it('rewrites the sources of Binds and bind Mounts of a container spec, leaving named volumes and targets', async () => {
    const map = new HostPathMap(mounts, container);
    const spec = await translateContainerSpec(
      { name: 'x', HostConfig: { Binds: ['/data/w:/mnt/task/work:rw', 'named-volume:/cache', '/data/big/c'], Mounts: [{ Type: 'bind', Source: '/data/in', Target: '/in' }, { Type: 'volume', Source: 'v', Target: '/v' }] } },
      map,
    );
    expect(spec.HostConfig?.Binds).toEqual(['/srv/data/w:/mnt/task/work:rw', 'named-volume:/cache', '/mnt/disk2/big/c']);
    expect(spec.HostConfig?.Mounts).toEqual([{ Type: 'bind', Source: '/srv/data/in', Target: '/in' }, { Type: 'volume', Source: 'v', Target: '/v' }]);
    const untouched = { name: 'y', HostConfig: { Binds: ['/scratch:/s'] } };
    expect(await translateContainerSpec(untouched, HostPathMap.same())).toBe(untouched);
  });
});
