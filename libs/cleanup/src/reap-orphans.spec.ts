import { type Backend, type ManagedResource } from '@capstan/core-constraints';
import { reapOrphans, type ResourceOwner } from './reap-orphans';

// The reaper's decision is pure logic; the real removal is tested end to end with Docker (capstan cleanup).
function backendWith(resources: ManagedResource[], failOn?: string): Backend & { removed: string[] } {
  const removed: string[] = [];
  return {
    removed,
    name: 'fake',
    capabilities: {} as Backend['capabilities'],
    probe: () => Promise.reject(new Error('unused')),
    capacity: () => Promise.reject(new Error('unused')),
    execute: () => Promise.reject(new Error('unused')),
    listManaged: () => Promise.resolve(resources),
    removeManaged: (resource) => {
      if (resource.id === failOn) return Promise.reject(new Error('device busy'));
      removed.push(resource.id);
      return Promise.resolve();
    },
  };
}

const created = new Date('2026-11-22T10:00:00Z');
const resource = (id: string, host: string, pid: number): ManagedResource => ({ id, name: id, state: 'running', labels: { host, pid: String(pid) } });
const parseOwner = (labels: Readonly<Record<string, string>>): ResourceOwner | undefined =>
  labels['host'] === undefined
    ? undefined
    : { ownerHost: labels['host'], ownerPid: Number(labels['pid']), created, ...(labels['holder'] === undefined ? {} : { holder: { id: labels['holder'], folder: '/srv/tes' } }) };
const processes = { startedAt: (pid: number) => Promise.resolve(pid === 100 ? new Date('2026-11-22T09:00:00Z') : pid === 200 ? new Date('2026-11-22T11:00:00Z') : undefined) };

describe('reapOrphans', () => {
  it('removes resources of this host whose owner is gone or whose pid was reused, and keeps the rest', async () => {
    const backend = backendWith([
      resource('alive', 'here', 100),
      resource('dead', 'here', 300),
      resource('reused-pid', 'here', 200),
      resource('other-host', 'elsewhere', 300),
      { id: 'foreign', name: 'foreign', state: 'exited', labels: {} },
    ]);
    const report = await reapOrphans(backend, { selector: {}, parseOwner, host: 'here', processes });
    expect(backend.removed.sort()).toEqual(['dead', 'reused-pid']);
    expect(report.removed.map((r) => r.id).sort()).toEqual(['dead', 'reused-pid']);
    expect(report.kept).toBe(3);
  });

  it('reports a removal that failed without stopping the others', async () => {
    const backend = backendWith([resource('a', 'here', 301), resource('b', 'here', 302)], 'a');
    const report = await reapOrphans(backend, { selector: {}, parseOwner, host: 'here', processes });
    expect(report.removed.map((r) => r.id)).toEqual(['b']);
    expect(report.failed).toEqual([{ resource: expect.objectContaining({ id: 'a' }), reason: 'device busy' }]);
  });

  it('does nothing for a backend that keeps no resources', async () => {
    const { listManaged: _l, removeManaged: _r, ...bare } = backendWith([resource('x', 'here', 1)]);
    expect(await reapOrphans(bare, { selector: {}, parseOwner, host: 'here', processes })).toEqual({ removed: [], failed: [], kept: 0, skipped: [] });
  });

  it('never removes a container held by a data folder, even when its pid is dead, and says why', async () => {
    const held: ManagedResource = { ...resource('held', 'here', 300), labels: { host: 'here', pid: '300', holder: 'abcdefghijklmnop' } };
    const backend = backendWith([held, resource('dead', 'here', 301)]);
    const report = await reapOrphans(backend, { selector: {}, parseOwner, host: 'here', processes });
    expect(backend.removed).toEqual(['dead']);
    expect(report.skipped).toEqual([{ resource: held, reason: expect.stringContaining('/srv/tes') }]);
  });

  it('removes nothing in a dry run, and lists what it would remove and skip', async () => {
    const held: ManagedResource = { ...resource('held', 'here', 300), labels: { host: 'here', pid: '300', holder: 'abcdefghijklmnop' } };
    const backend = backendWith([held, resource('dead', 'here', 301), resource('alive', 'here', 100)]);
    const report = await reapOrphans(backend, { selector: {}, parseOwner, host: 'here', processes, dryRun: true });
    expect(backend.removed).toEqual([]);
    expect(report.removed.map((r) => r.id)).toEqual(['dead']);
    expect(report.skipped.map((s) => s.resource.id)).toEqual(['held']);
    expect(report.kept).toBe(1);
  });
});
