import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { fencedBlocks } from '../../../tools/lib/markdown-blocks';
import { buildCli, cliBundle, startCapstan, until, workspaceRoot } from './testing/cli-harness';
import { Tmux } from './testing/tmux';

// `capstan top` at a real terminal (tmux: keys in with send-keys, the screen out with capture-pane), attached to a real
// `capstan serve` running tasks on Docker, and to a `capstan run` in another tmux window.
jest.setTimeout(120_000);

const run = promisify(execFile);
const IMAGE = 'capstan-test/busybox:1';
const TOKEN = 'top-console-token-3f9a1c7e5b2d4086';
const TICKER = 'i=0; while true; do echo "tick $i"; i=$((i+1)); sleep 0.3; done';
// A task whose output tries to set the clipboard (OSC 52), clear the screen and retitle the window.
const HOSTILE = 'echo hostile-start; printf "\\033]52;c;cm0gLXJmIH4=\\007\\033[2J\\033]0;pwned\\007evil-line\\n"; sleep 60';

let folder: string;
let env: NodeJS.ProcessEnv;
const sessions: Tmux[] = [];
const servers: Array<ReturnType<typeof startCapstan>> = [];
const dataFolders: string[] = [];

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'capstan-top-console-'));
  env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('CAPSTAN_')));
  // The ps registry of this test alone: other runs on the machine must not show up, nor be canceled.
  env['XDG_RUNTIME_DIR'] = join(folder, 'runtime');
  env['TERM'] = 'xterm-256color';
  await writeFile(join(folder, 'token'), `${TOKEN}\n`, { mode: 0o600 });
  await buildCli();
}, 120_000);

afterEach(async () => {
  await Promise.all(sessions.splice(0).map((session) => session.kill()));
  for (const server of servers.splice(0)) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  // A stopped server leaves its tasks' containers to its next start (they belong to its data folder): none comes.
  for (const data of dataFolders.splice(0)) {
    const { stdout } = await run('docker', ['ps', '-a', '-q', '--filter', `label=io.capstan.holder-folder=${data}`]);
    const ids = stdout.split('\n').filter((id) => id !== '');
    if (ids.length > 0) await run('docker', ['rm', '-f', ...ids]);
  }
});

afterAll(() => rm(folder, { recursive: true, force: true }));

async function serve(name: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<string> {
  dataFolders.push(join(folder, name));
  const server = startCapstan(['serve', '--host', '127.0.0.1', '--port', '0', '--backend', 'docker', '--data-dir', join(folder, name)], {
    env: { ...env, CAPSTAN_API__AUTH__TOKEN: TOKEN, CAPSTAN_USAGE_INTERVAL_SECONDS: '1', ...extraEnv },
  });
  servers.push(server);
  await until(() => /Capstan TES server on http:\/\/127\.0\.0\.1:\d+/.test(server.output().stderr), 60_000, 'the server listening');
  return `http://127.0.0.1:${/127\.0\.0\.1:(\d+)/.exec(server.output().stderr)?.[1] ?? ''}`;
}

async function call(url: string, path: string, body?: unknown): Promise<{ id?: string; state?: string }> {
  const response = await fetch(`${url}/ga4gh/tes/v1${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return (await response.json()) as { id?: string; state?: string };
}

/** A pane running `command`, then saying how it exited and whether the terminal is back in cooked mode. */
function pane(command: string, what: string): string {
  return `${command}; echo "${what} exited $?"; stty -a | tr ' ;' '\\n\\n' | grep -x -- '-\\{0,1\\}icanon'; sleep 600`;
}

function top(...args: string[]): string {
  return pane(`'${process.execPath}' '${cliBundle}' top ${args.join(' ')}`, 'top');
}

/** Leaves the log view; waits for the list, as a key right after Escape would be read with it (meta+key). */
async function back(tmux: Tmux, target: string): Promise<void> {
  await tmux.keys(target, 'Escape');
  await tmux.waitFor(target, /STATE +ELAPSED/);
}

/** Moves the selection down until the log view of `name` opens. */
async function openLog(tmux: Tmux, target: string, name: string): Promise<string> {
  for (let step = 0; step < 8; step += 1) {
    await tmux.keys(target, 'Enter');
    const screen = await tmux.waitFor(target, /log of \S+/);
    if (screen.includes(`log of ${name} `)) return screen;
    await back(tmux, target);
    await tmux.keys(target, 'Down');
  }
  throw new Error(`no row of ${name} could be selected`);
}

describe('capstan top in a terminal', () => {
  it('attached to capstan serve on Docker: rows appear, states change live, the log tail shows, cancel cancels on the server, q restores the terminal; hostile output never reaches the terminal', async () => {
    const url = await serve('server');
    const ticker = await call(url, '/tasks', { name: 'top-ticker', executors: [{ image: IMAGE, command: ['sh', '-c', TICKER] }] });
    const tmux = await Tmux.start('server', top('--server', url, '--token-file', join(folder, 'token')), env);
    sessions.push(tmux);
    const raw = join(folder, 'server-pane.raw');
    await tmux.tmux('pipe-pane', '-t', 'server', '-o', `cat >> '${raw}'`);
    await tmux.waitFor('server', /running +\S.* top-ticker +tick \d+/, 60_000);
    // A task created while top watches comes in live, and its state changes with it.
    const hostile = await call(url, '/tasks', { name: 'top-hostile', executors: [{ image: IMAGE, command: ['sh', '-c', HOSTILE] }] });
    await tmux.waitFor('server', /running .* top-hostile +evil-line/, 60_000);
    // Live CPU % and memory from the stream's usage events.
    const screen = await tmux.waitFor('server', /running +[\d.]+ s +[\d.]+ +[\d.]+ (?:KiB|MiB) +top-ticker/, 30_000);
    expect(screen).toMatch(/^capstan top - server http:\/\/127\.0\.0\.1:\d+\/ga4gh\/tes\/v1 - 2 tasks \(2 running\)/);

    // The log view opens on "reading..." and fills in when the server's logs come back.
    expect(await openLog(tmux, 'server', 'top-hostile')).toContain('log of top-hostile ');
    await tmux.waitFor('server', / {2}hostile-start\n {2}evil-line/);
    await back(tmux, 'server');
    await openLog(tmux, 'server', 'top-ticker');
    await tmux.waitFor('server', / {2}tick \d+\n(?: {2}tick \d+\n){3}/);
    await back(tmux, 'server');
    await tmux.keys('server', 'c');
    await tmux.waitFor('server', /cancel task top-ticker \(running\)\? y\/n/);
    await tmux.keys('server', 'y');
    await tmux.waitFor('server', /cancel sent for task top-ticker/);
    await until(async () => (await call(url, `/tasks/${ticker.id ?? ''}`)).state === 'CANCELED', 30_000, 'the task canceled on the server');
    await tmux.waitFor('server', /canceled .* top-ticker/);
    expect((await call(url, `/tasks/${hostile.id ?? ''}`)).state).toBe('RUNNING');

    await tmux.keys('server', 'q');
    const after = await tmux.waitFor('server', /top exited 0\n-?icanon/);
    expect(after).toContain('\nicanon');
    expect(await tmux.format('server', '#{alternate_on} #{cursor_flag}')).toBe('0 1');
    // What reached the terminal: no clipboard write, no clear, no title, and never the token.
    const bytes = await readFile(raw, 'latin1');
    expect(bytes).toContain('evil-line');
    expect(bytes).not.toContain('\u001b]52');
    expect(bytes).not.toContain('\u001b[2J');
    expect(bytes).not.toContain('pwned');
    expect(bytes).not.toContain(TOKEN);
    expect(await tmux.tmux('list-buffers')).toBe('');
    expect(await tmux.format('server', '#{pane_title}')).not.toContain('pwned');
  });

  it('attached to a server holding 230 tasks: the newest 100 first, scrolling past the last row loads the next pages until the oldest task shows', async () => {
    // Paused (api.paused): the tasks stay queued, none runs.
    const url = await serve('paging', { CAPSTAN_API__PAUSED: 'true' });
    for (let index = 0; index < 230; index += 1) await call(url, '/tasks', { name: `top2-page-${String(index).padStart(3, '0')}`, executors: [{ image: IMAGE, command: ['true'] }] });
    const tmux = await Tmux.start('paging', top('--server', url, '--token-file', join(folder, 'token')), env);
    sessions.push(tmux);
    await tmux.waitFor('paging', /- 100 tasks \(100 queued\) loaded, more on the server - filter: all/, 30_000);
    expect(await tmux.screen('paging')).toContain('↑/↓ select (↓ at the end loads more)');
    await tmux.keys('paging', 'G');
    await tmux.waitFor('paging', /top2-page-130/);
    await tmux.keys('paging', 'Down');
    await tmux.waitFor('paging', /- 200 tasks \(200 queued\) loaded, more on the server - filter/);
    // The scroll goes on into the rows it loaded.
    expect(await tmux.waitFor('paging', /top2-page-129/)).not.toContain('top2-page-029');
    await tmux.keys('paging', 'G');
    await tmux.keys('paging', 'Down');
    // The whole list is loaded: the header says nothing more, and the oldest task is the last row.
    await tmux.waitFor('paging', /- 230 tasks \(230 queued\) - filter: all/);
    await tmux.keys('paging', 'G');
    await tmux.waitFor('paging', /queued .* top2-page-000 *\n(?:\n)*.*\n↑\/↓ select {2}f filter/);
    // A task created now still comes in at the top, beside the loaded pages.
    await call(url, '/tasks', { name: 'top2-page-new', executors: [{ image: IMAGE, command: ['true'] }] });
    await tmux.waitFor('paging', /- 231 tasks \(231 queued\) - filter: all/, 15_000);
    await tmux.keys('paging', 'q');
    await tmux.waitFor('paging', /top exited 0\n-?icanon/);
  });

  it('fault: the server stopping is shown on the status line; top neither crashes nor hangs, and Ctrl-C restores the terminal', async () => {
    const url = await serve('fault');
    const tmux = await Tmux.start('fault', top('--server', url, '--token-file', join(folder, 'token')), env);
    sessions.push(tmux);
    await tmux.waitFor('fault', /capstan top - server .* 0 tasks/);
    // A smaller terminal: top draws to its new size (the key help on its last line, every line within its width).
    await tmux.tmux('resize-window', '-t', 'fault', '-x', '70', '-y', '12');
    const small = await tmux.waitFor('fault', /^capstan top - server \S+ - 0 tasks - …\n(?:.*\n){10}↑\/↓ select/);
    expect(small.split('\n').every((line) => [...line].length <= 70)).toBe(true);
    await tmux.tmux('resize-window', '-t', 'fault', '-x', '140', '-y', '30');
    const server = servers.pop();
    server?.child.kill('SIGTERM');
    await server?.exited;
    await tmux.waitFor('fault', /the server at http:\/\/127\.0\.0\.1:\d+\/ga4gh\/tes\/v1 does not answer \(ECONNREFUSED\); retrying every 2 s/, 20_000);
    // Still alive and drawing: the clock in the header moves on.
    const clock = async (): Promise<string> => /(\d\d:\d\d:\d\d) UTC/.exec(await tmux.screen('fault'))?.[1] ?? '';
    const before = await clock();
    await until(async () => (await clock()) !== before, 5_000, 'the header redrawn');
    await tmux.keys('fault', 'C-c');
    await tmux.waitFor('fault', /top exited 130\nicanon/);
    expect(await tmux.format('fault', '#{alternate_on} #{cursor_flag}')).toBe('0 1');
  });

  it('attached to a local capstan run of two tasks in another window: cancel ends that task alone, canceled in the summary, the other runs to its end; SIGTERM restores the terminal', async () => {
    const work = join(folder, 'runs');
    const ticker = join(folder, 'top2-ticker.yaml');
    const steady = join(folder, 'top2-steady.yaml');
    await writeFile(ticker, `name: top2-ticker\ncommand: 'i=0; while true; do echo "local-tick $i"; i=$((i+1)); sleep 0.3; done'\nrequirements: { container: "*", cpu: 0.1, memory: 16 MiB }\nhints: { shell: sh }\n`);
    await writeFile(steady, `name: top2-steady\ncommand: 'for i in 1 2 3 4 5 6 7 8; do echo "steady $i"; sleep 1; done'\nrequirements: { container: "*", cpu: 0.1, memory: 16 MiB }\nhints: { shell: sh }\n`);
    const command = `'${process.execPath}' '${cliBundle}' run --backend local --work-root '${work}' '${ticker}' '${steady}'`;
    const tmux = await Tmux.start('local', pane(command, 'run'), env);
    sessions.push(tmux);
    await tmux.newWindow('top', top());
    await tmux.waitFor('local:top', /running .* top2-ticker-\w+ +local-tick \d+/, 60_000);
    await tmux.waitFor('local:top', /running .* top2-steady-\w+ +steady \d/, 10_000);
    // The ticker's row selected, whichever order the two running rows are drawn in.
    await tmux.keys('local:top', 'c');
    if (!(await tmux.waitFor('local:top', /cancel task \S+ \(running\)\? y\/n/)).includes('cancel task top2-ticker-')) {
      await tmux.keys('local:top', 'n');
      await tmux.keys('local:top', 'Down');
      await tmux.keys('local:top', 'c');
    }
    await tmux.waitFor('local:top', /cancel task top2-ticker-\w+ \(running\)\? y\/n/);
    await tmux.keys('local:top', 'y');
    await tmux.waitFor('local:top', /canceling task top2-ticker-\w+: it stops gracefully, and the run goes on with its other tasks/);
    await tmux.waitFor('local:top', /canceled .* top2-ticker-\w+/, 30_000);
    // The other task goes on running after the cancel.
    expect(await tmux.waitFor('local:top', /running .* top2-steady-\w+ +steady [3-8]/, 10_000)).toMatch(/canceled .* top2-ticker/);
    const ended = await tmux.waitFor('local:0', /run exited \d+/, 60_000);
    expect(ended).toMatch(/ {2}top2-ticker +canceled +exit \S+ +canceled /);
    expect(ended).toMatch(/ {2}top2-steady +succeeded +exit 0 +exited /);
    // The run's policy: a canceled task makes the run exit 130, as a Ctrl-C would.
    expect(ended).toContain('run exited 130');
    await tmux.waitFor('local:top', /0 tasks/, 10_000);

    const panePid = await tmux.format('local:top', '#{pane_pid}');
    const { stdout } = await run('pgrep', ['-P', panePid, '-f', 'capstan.cjs']);
    process.kill(Number(stdout.trim()), 'SIGTERM');
    await tmux.waitFor('local:top', /top exited 130\nicanon/);
    expect(await tmux.format('local:top', '#{alternate_on} #{cursor_flag}')).toBe('0 1');
  });

  it("the README's example runs as written: one screen of a local run's task with its last output", async () => {
    const readme = await readFile(join(workspaceRoot, 'README.md'), 'utf8');
    const block = fencedBlocks(readme, 'README.md').find((one) => one.language === 'sh' && one.body.some((line) => line.includes('capstan top --once')));
    expect(block).toBeDefined();
    const dir = await mkdtemp(join(folder, 'readme-'));
    const capstan = `capstan() { "${process.execPath}" "${cliBundle}" "$@"; }`;
    const { stdout } = await run('sh', ['-c', `${capstan}\n${block?.body.join('\n') ?? ''}\nwait\n`], { cwd: dir, env });
    expect(stdout).toMatch(/^capstan top - capstan run processes on this host - 1 task \(1 running\)/);
    // About 1.5 s in on a quiet machine; less where the run took long to start (CI at load 47 saw 0.4 s).
    expect(stdout).toMatch(/\n {2}running +\d\.\d s +- +- +sh-\w+ +step [123]\n$/);
    // The example leaves its run in the background: it ends within seconds, and leaves the registry.
    const registry = join(env['XDG_RUNTIME_DIR'] ?? '', 'capstan', 'processes');
    await until(async () => (await readdir(registry)).length === 0, 20_000, 'the example\'s run ended');
  });
});
