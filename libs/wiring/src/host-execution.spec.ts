import { type Backend, BackendRegistry, CapstanError, ErrorCode } from '@capstan/core-constraints';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTesServer } from './tes-server';
import { chooseBackend, SHORT_NAMES_NOTE } from './choose-backend';

jest.setTimeout(30_000);

const quiet = { write: (): boolean => true };

describe('the TES server never runs client commands on the host by accident', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-host-exec-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const flags = (extra: Record<string, unknown>): Record<string, unknown> => ({ 'api.dataDir': join(dir, 'data'), 'api.port': 0, 'api.auth.disabled': true, ...extra });

  it('refuses the local backend without --run-client-commands-on-host, naming the flag, before it stores or listens', async () => {
    const started = startTesServer({ flags: flags({ backend: 'local' }), cwd: dir, logStream: quiet });
    await expect(started).rejects.toMatchObject({ code: ErrorCode.InvalidConfig, path: 'backend', message: expect.stringContaining('--run-client-commands-on-host') });
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses local among the selectable backends too', async () => {
    const started = startTesServer({ flags: flags({ backend: 'docker', 'api.selectableBackends': ['local'] }), cwd: dir, logStream: quiet });
    await expect(started).rejects.toMatchObject({ code: ErrorCode.InvalidConfig, path: 'api.selectableBackends' });
  });

  it('serves on local when the operator says so in so many words', async () => {
    const server = await startTesServer({ flags: flags({ backend: 'local', 'api.runClientCommandsOnHost': true }), cwd: dir, logStream: quiet });
    try {
      expect(server.backend).toBe('local');
    } finally {
      await server.close();
    }
  });
});

describe('chooseBackend', () => {
  const unavailable = (name: string, runsContainers = true): Backend =>
    ({
      name,
      capabilities: { runsContainers },
      probe: () => Promise.resolve({ available: false, problems: [`${name} is not running`], details: {} }),
    }) as unknown as Backend;
  const registry = new BackendRegistry([unavailable('docker'), unavailable('podman'), unavailable('apptainer'), unavailable('local', false)]);

  it('falls back to local for capstan run when no engine answers, and says so', async () => {
    const { backend, selection } = await chooseBackend(registry, 'auto');
    expect(backend.name).toBe('local');
    expect(selection.at(-1)).toMatch(/^local: no container engine answered/);
  });

  it('never falls back to local without hostFallback: a typed error naming every engine it tried', async () => {
    const chosen = chooseBackend(registry, 'auto', { hostFallback: false });
    await expect(chosen).rejects.toBeInstanceOf(CapstanError);
    await expect(chosen).rejects.toMatchObject({ code: ErrorCode.BackendUnavailable, message: expect.stringMatching(/docker is not running.*podman is not running.*apptainer is not running/) });
  });

  // Podman's class is not imported by wiring (its code loads only when a command runs it): it is asked by shape.
  const standingIn = (name: string, answer: boolean): Backend & { calls: number } => {
    const backend = {
      name,
      calls: 0,
      capabilities: { runsContainers: true },
      probe: () => Promise.resolve({ available: true, problems: [], details: {} }),
      standInForDocker: () => ((backend.calls += 1), answer),
    };
    return backend as unknown as Backend & { calls: number };
  };

  it('notes that Podman reads short names as Docker would when auto falls back to it from Docker', async () => {
    const podman = standingIn('podman', true);
    const { backend, selection } = await chooseBackend(new BackendRegistry([unavailable('docker'), podman, unavailable('apptainer')]), 'auto');
    expect(backend).toBe(podman);
    expect(podman.calls).toBe(1);
    expect(selection).toContain(SHORT_NAMES_NOTE);
  });

  it('hostile: another backend with a standInForDocker method is not asked, and a configured Podman policy adds no note', async () => {
    const impostor = standingIn('apptainer', true);
    const chosen = await chooseBackend(new BackendRegistry([unavailable('docker'), unavailable('podman'), impostor]), 'auto');
    expect(chosen.backend).toBe(impostor);
    expect(impostor.calls).toBe(0);
    expect(chosen.selection).not.toContain(SHORT_NAMES_NOTE);
    const configured = await chooseBackend(new BackendRegistry([unavailable('docker'), standingIn('podman', false), unavailable('apptainer')]), 'auto');
    expect(configured.selection).not.toContain(SHORT_NAMES_NOTE);
  });
});
