import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DockerClient } from './docker-client';
import { HostPathResolver } from './host-path-resolver';
import { type ContainerEnvironment, containerIdCandidates, findOwnContainer } from './own-container';

const ID = 'a1b2c3d4e5f6'.padEnd(64, '7');
const OTHER = 'f'.repeat(64);
const none: ContainerEnvironment = { markers: [], mountinfo: '', cgroup: '', containerenv: '', hostname: 'build-host' };
const mountLine = (root: string, mountPoint: string): string => `612 598 254:1 ${root} ${mountPoint} rw,relatime - ext4 /dev/vda1 rw`;

describe('containerIdCandidates', () => {
  it('reads Docker’s container folder behind /etc/hostname, and the hostname as a short id', () => {
    const environment = { ...none, markers: ['/.dockerenv'], hostname: ID.slice(0, 12), mountinfo: mountLine(`/var/lib/docker/containers/${ID}/hostname`, '/etc/hostname') };
    expect(containerIdCandidates(environment)).toEqual([ID, ID.slice(0, 12)]);
  });

  it('reads Podman’s folder, its .containerenv and cgroup v1 paths', () => {
    const podman = { ...none, markers: ['/run/.containerenv'], mountinfo: mountLine(`/containers/storage/overlay-containers/${ID}/userdata/hostname`, '/etc/hostname'), containerenv: `engine="podman-4.3.1"\nname="capstan"\nid="${OTHER}"\n` };
    expect(containerIdCandidates(podman)).toEqual([ID, OTHER]);
    expect(containerIdCandidates({ ...none, cgroup: `12:memory:/docker/${ID}\n11:pids:/system.slice/docker-${OTHER}.scope\n` })).toEqual([ID, OTHER]);
  });

  it('finds none on a host, where every container’s shm folder is mounted but not at /etc/hostname', () => {
    expect(containerIdCandidates({ ...none, mountinfo: mountLine(`/var/lib/docker/containers/${ID}/mounts/shm`, `/var/lib/docker/containers/${ID}/mounts/shm`) })).toEqual([]);
  });

  it('finds none in a VM made from an image (a leftover /.dockerenv, a hostname that is no id)', () => {
    expect(containerIdCandidates({ ...none, markers: ['/.dockerenv'], hostname: 'vm' })).toEqual([]);
  });
});

// A real container, looked at from the host as it would see itself: its /proc files and hostname.
describe('findOwnContainer (real daemon)', () => {
  const client = new DockerClient({}, {});
  let folder: string;
  let id: string | undefined;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'capstan-own-container-'));
    const container = await client.api.createContainer({
      Image: 'capstan-test/busybox:1',
      Cmd: ['sleep', '300'],
      Labels: { 'io.capstan.test': 'own-container' },
      HostConfig: { Binds: [`${folder}:/data:rw`], NetworkMode: 'none', LogConfig: { Type: 'none', Config: {} } },
    });
    id = container.id;
    await container.start();
  });
  afterAll(async () => {
    if (id !== undefined) await client.removeContainer(id);
    await rm(folder, { recursive: true, force: true });
  });

  async function seenFromInside(): Promise<ContainerEnvironment> {
    const info = await client.api.getContainer(id ?? '').inspect();
    const pid = info.State.Pid;
    const [mountinfo, cgroup] = await Promise.all([readFile(`/proc/${pid}/mountinfo`, 'utf8'), readFile(`/proc/${pid}/cgroup`, 'utf8')]);
    return { markers: ['/.dockerenv'], mountinfo, cgroup, containerenv: '', hostname: info.Config.Hostname };
  }

  it('finds the container through the engine, with its mounts', async () => {
    const own = await findOwnContainer(client, await seenFromInside());
    expect(own?.id).toBe(id);
    expect(own?.mounts).toEqual([{ inside: '/data', outside: folder }]);
  });

  it('translates paths through those mounts, and refuses one in the container’s own filesystem', async () => {
    const environment = await seenFromInside();
    const map = await new HostPathResolver(client, { option: 'docker.hostPathMap' }, () => environment).resolve();
    expect(map.toHost('/data/runs/work')).toBe(join(folder, 'runs', 'work'));
    expect(() => map.toHost('/tmp/runs/work', 'the work dir')).toThrow(expect.objectContaining({ code: 'config.invalid', message: expect.stringContaining('the work dir /tmp/runs/work is not visible to the daemon') }));
  });

  it('finds nothing for ids the daemon does not know, and a configured map wins over detection', async () => {
    await expect(findOwnContainer(client, { ...none, markers: ['/.dockerenv'], hostname: 'c0ffee00c0ff' })).resolves.toBeUndefined();
    expect((await new HostPathResolver(client, { option: 'docker.hostPathMap' }, () => none).resolve()).translates).toBe(false);
    const notAsked = (): ContainerEnvironment => {
      throw new Error('not asked: a configured map wins');
    };
    const configured = await new HostPathResolver(client, { map: { '/data': '/elsewhere' }, option: 'docker.hostPathMap' }, notAsked).resolve();
    expect(configured.toHost('/data/x')).toBe('/elsewhere/x');
  });
});
