import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApps, cliBundle, containersWithLabel, execFileAsync, type RunningApi, startApi, stopApi, until } from './testing/api-harness';
import { containerState, countingTask as countingTaskIn, create, currentLog, FINAL, IMAGE, type TaskView, view } from './testing/restart-harness';

// The fault harness of the TES server: the bundled server on real Docker, killed with SIGKILL at chosen points and
// started again on the same data folder. Each executor appends a line to a file in the task's volume, which is an
// output: the uploaded file counts how often each executor ran.
jest.setTimeout(300_000);

let folder: string;
let shared: string;
const countingTask = (name: string, first: { script: string; ignoreError?: boolean }, cpu = 1): unknown => countingTaskIn(shared, name, first, cpu);

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'capstan-restart-'));
  shared = join(folder, 'shared');
  await mkdir(shared, { recursive: true });
  await buildApps();
});

const servers: RunningApi[] = [];

afterAll(async () => {
  // A failed assertion must not leave a server or its containers behind.
  for (const server of servers) await stopApi(server, 'SIGKILL');
  const { stdout } = await execFileAsync('docker', ['ps', '-a', '-q', '--filter', `label=io.capstan.holder-folder=${join(folder, 'data')}`]);
  for (const id of stdout.split('\n').filter((line) => line !== '')) await execFileAsync('docker', ['rm', '-f', id]);
  await rm(folder, { recursive: true, force: true });
});

/** Starts a container in the background with the docker CLI; its full id. */
async function dockerRun(args: readonly string[]): Promise<string> {
  const { stdout } = await execFileAsync('docker', ['run', '-d', ...args]);
  return stdout.trim();
}

describe('a kill -9 of the TES server loses nothing and runs nothing twice', () => {
  it('takes over running executors, harvests ended ones, runs waiting tasks once; cleanup and capstan run leave its containers alone', async () => {
    const data = join(folder, 'data');
    const config = join(folder, 'three-at-a-time.yaml');
    await writeFile(config, 'api:\n  maxRunningTasks: 3\n');
    const args = ['--backend', 'docker', '--data-dir', data, '--no-auth', '--config', config, '--allow-root', shared];
    const first = await startApi(args);
    servers.push(first);

    // Two CPUs. `between` (two CPUs) runs its first executor at once while `ended` and `long` (one each) queue in the
    // engine's ledger; then these two hold the CPUs, so `between`'s second executor waits there (the task RUNNING,
    // between executors), and the four created next wait QUEUED in the service's queue (three tasks past it at most).
    const between = await create(first, countingTask('between', { script: 'true' }, 2));
    const ended = await create(first, countingTask('ended', { script: 'echo out0; sleep 4; exit 4', ignoreError: true }));
    const long = await create(first, countingTask('long', { script: 'echo hello0; sleep 25; echo done0' }));
    await until(async () => ((await view(first, long)).state === 'RUNNING' && (await view(first, ended)).state === 'RUNNING') || undefined, 60_000, 'two RUNNING');
    const waiting: string[] = [];
    for (const name of ['w1', 'w2', 'w3', 'w4']) waiting.push(await create(first, countingTask(name, { script: 'true' })));
    await new Promise((wait) => setTimeout(wait, 1_000));
    for (const id of waiting) {
      expect((await view(first, id)).state).toBe('QUEUED');
      expect(await containersWithLabel(`io.capstan.task=tes-${id}-e0`)).toEqual([]);
    }
    const waitingExecutor = await view(first, between);
    expect([waitingExecutor.state, waitingExecutor.logs?.[0]?.logs.length]).toEqual(['RUNNING', 1]);
    expect(await containersWithLabel(`io.capstan.task=tes-${between}-e1`)).toEqual([]);
    // The executor log is there from the container's start, and its stdout tail follows while it runs.
    const live = await until(async () => {
      const log = (await view(first, long)).logs?.[0]?.logs[0];
      return log?.stdout === 'hello0\n' ? log : undefined;
    }, 15_000, 'the live stdout tail');
    expect(live.start_time).toBeDefined();
    expect(live.end_time).toBeUndefined();

    await stopApi(first, 'SIGKILL');
    const killedAt = Date.now();
    // While the server is down, `ended`'s container ends: nobody sees it end.
    await until(async () => ((await containerState(`tes-${ended}-e0`)) === 'exited' ? true : undefined), 30_000, 'the container to end while the server is down');
    expect(await containerState(`tes-${long}-e0`)).toBe('running');

    // A CLI user on the same host: cleanup (dry run and real) and a run (which reaps at its start) keep them.
    const heldBefore = (await containersWithLabel(`io.capstan.holder-folder=${data}`)).sort();
    expect(heldBefore).toHaveLength(2);
    const dryRun = await execFileAsync(process.execPath, [cliBundle, 'cleanup', '--backend', 'docker', '--dry-run'], { cwd: folder });
    expect(dryRun.stdout).toMatch(new RegExp(`skipped docker tes-${long}-e0-[a-z0-9]+ .*held by the TES server data folder ${data}`, 'i'));
    const cleanup = await execFileAsync(process.execPath, [cliBundle, 'cleanup', '--backend', 'docker'], { cwd: folder });
    expect(cleanup.stdout).toMatch(new RegExp(`skipped docker tes-${ended}-e0-[a-z0-9]+ `, 'i'));
    await execFileAsync(process.execPath, [cliBundle, 'run', '--backend', 'docker', '--shell', 'sh', '--image', IMAGE, '--', 'true'], { cwd: folder });
    expect((await containersWithLabel(`io.capstan.holder-folder=${data}`)).sort()).toEqual(heldBefore);

    // Hostile: a container dressed as a waiting task's first executor, without this folder's holder id, must not be
    // taken for it (its exit 0 would skip the executor). A stray with the holder id but no task is this server's to reap.
    const holderId = (await readFile(join(data, 'holder-id'), 'utf8')).trim();
    const forged = await dockerRun(['--label', 'io.capstan.managed=true', '--label', `io.capstan.task=tes-${waiting[0]}-e0`, IMAGE, 'true']);
    const stray = await dockerRun(['--label', 'io.capstan.managed=true', '--label', `io.capstan.holder-id=${holderId}`, '--label', `io.capstan.holder-folder=${data}`, IMAGE, 'sleep', '300']);

    const second = await startApi(args);
    servers.push(second);
    try {
      // A second server on the same data folder refuses to start: only one process may hold (and reap) its containers.
      await expect(startApi(args)).rejects.toThrow(/exited with [1-9]/);

      const views = await until(async () => {
        const all = await Promise.all([ended, long, ...waiting, between].map((id) => view(second, id)));
        return all.every((task) => FINAL.includes(task.state)) ? all : undefined;
      }, 180_000, 'every task to end');
      const [endedView, longView, ...waitingViews] = views as [TaskView, TaskView, ...TaskView[]];
      // The state with the task's logs, so that a failure shows why.
      // With the system logs, so that a failure says why a task did not complete.
      for (const task of views) expect({ state: task.state, logged: task.logs !== undefined, systemLogs: currentLog(task)?.system_logs }).toMatchObject({ state: 'COMPLETE', logged: true });
      for (const name of ['ended', 'long', 'w1', 'w2', 'w3', 'w4', 'between']) expect(await readFile(join(shared, name, 'runs'), 'utf8')).toBe('e0\ne1\n');

      // Harvested: the exit code and the output of a container that ended while the server was down.
      const endedLogs = endedView.logs?.[endedView.logs.length - 1];
      expect(endedLogs?.logs.map((log) => log.exit_code)).toEqual([4, 0]);
      expect(endedLogs?.logs[0]?.stdout).toBe('out0\n');
      expect(endedLogs?.system_logs?.join('\n')).toMatch(/executor 0 was re-attached after a server restart: it had ended \(exited\) while the server was down/);
      // Taken over: its output from before the kill and after the take-over, its start before the kill.
      const longLogs = longView.logs?.[longView.logs.length - 1];
      expect(longLogs?.logs.map((log) => log.exit_code)).toEqual([0, 0]);
      expect(longLogs?.logs[0]?.stdout).toBe('hello0\ndone0\n');
      expect(Date.parse(longLogs?.logs[0]?.start_time ?? '')).toBeLessThan(killedAt);
      for (const task of waitingViews) expect(task.logs?.[task.logs.length - 1]?.logs.map((log) => log.exit_code)).toEqual([0, 0]);
      expect(await containersWithLabel(`io.capstan.holder-folder=${data}`)).toEqual([]);
      expect(await containersWithLabel(`io.capstan.task=tes-${waiting[0]}-e0`)).toEqual([forged.slice(0, 12)]);
      expect(await containersWithLabel(`io.capstan.holder-id=${holderId}`)).not.toContain(stray.slice(0, 12));
    } finally {
      await execFileAsync('docker', ['rm', '-f', forged]);
      await stopApi(second);
    }
  });
});

describe('a kill -9 during a burst of creates', () => {
  it('keeps every task it answered, and runs each stored task exactly once', async () => {
    const data = join(folder, 'burst-data');
    const outputs = join(shared, 'burst');
    const args = ['--backend', 'docker', '--data-dir', data, '--no-auth', '--allow-root', shared];
    const first = await startApi(args);
    servers.push(first);
    const names = Array.from({ length: 24 }, (_, index) => `burst-${index}`);
    const body = (name: string): unknown => ({
      name,
      volumes: ['/v'],
      executors: [{ image: IMAGE, command: ['sh', '-c', 'echo ran >> /v/runs'] }],
      outputs: [{ path: '/v/runs', url: `file://${join(outputs, name, 'runs')}`, type: 'FILE' }],
    });
    // The creates go out together; the server dies when half of them are answered: the first tasks are then being
    // staged or running, some creates are in flight (stored or not), some never received.
    let answers = 0;
    const creates = names.map((name) =>
      first.call('/tasks', { body: body(name) }).then((answer) => {
        answers += 1;
        if (answers === names.length / 2) first.child.kill('SIGKILL');
        return answer;
      }),
    );
    const settled = await Promise.allSettled(creates);
    await first.exited;
    const answeredIds = settled.flatMap((result) => (result.status === 'fulfilled' && result.value.status === 200 ? [(result.value.body as { id: string }).id] : []));
    expect(answeredIds.length).toBeGreaterThan(0);

    const second = await startApi(args);
    servers.push(second);
    try {
      const listed = ((await second.call('/tasks?name_prefix=burst-&page_size=100')).body as { tasks: Array<{ id: string }> }).tasks.map((task) => task.id);
      // Nothing answered is lost.
      expect(listed).toEqual(expect.arrayContaining(answeredIds));
      const views = await until(async () => {
        const all = await Promise.all(listed.map((id) => view(second, id)));
        return all.every((task) => FINAL.includes(task.state)) ? all : undefined;
      }, 180_000, 'every stored task to end');
      // With the system logs, so that a failure says why a task did not complete.
      for (const task of views) expect({ state: task.state, logged: task.logs !== undefined, systemLogs: currentLog(task)?.system_logs }).toMatchObject({ state: 'COMPLETE', logged: true });
      // Each stored task ran once: its output holds one line.
      for (const task of views) {
        const name = ((await second.call(`/tasks/${task.id}?view=BASIC`)).body as { name: string }).name;
        expect(await readFile(join(outputs, name, 'runs'), 'utf8')).toBe('ran\n');
      }
      expect(await containersWithLabel(`io.capstan.holder-folder=${data}`)).toEqual([]);
    } finally {
      await stopApi(second);
    }
  });
});
