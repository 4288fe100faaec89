import { type ExecutionRequest, parseContainerSource } from '@capstan/core-constraints';
import { testRequest } from '@capstan/support/testing';
import { execFile, spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imageCandidates } from './image-candidates';
import { buildJobScript, type JobScriptPlan, NO_IMAGE_EXIT, parseStatusFile } from './job-script';

// The generated script is run by a real /bin/sh against fake runtimes (small scripts that print the arguments and
// variables they were given): this checks quoting, the order of candidates, the status file and the exit code, without
// a scheduler or a container. The real runtimes run it in the slurm and batch backends' tests and the conformance suite.

const FAKE_APPTAINER = `#!/bin/sh
case "$1" in
  pull) shift; while [ "$#" -gt 2 ]; do echo "pull-flag $1" >>"$FAKE_LOG"; shift; done
        echo "pull $2 user=\${APPTAINER_DOCKER_USERNAME:-none}" >>"$FAKE_LOG"
        case "$2" in *missing*) echo "FATAL: no such image $2" >&2; exit 255 ;; esac
        printf sif >"$1"; exit 0 ;;
  -q) for a in "$@"; do printf '[%s]\\n' "$a"; done; printf 'APPTAINERENV_GREETING=%s\\n' "$APPTAINERENV_GREETING"; exit "\${FAKE_EXIT:-0}" ;;
esac
exit 99
`;
const FAKE_DOCKER = `#!/bin/sh
echo "$*" >>"$FAKE_LOG"
case "$1" in
  image) case "$3" in *missing*) exit 1 ;; esac; exit 0 ;;
  pull) echo "Error response from daemon: pull access denied for $3" >&2; exit 1 ;;
  run) for a in "$@"; do printf '[%s]\\n' "$a"; done; printf 'GREETING=%s\\n' "$GREETING"; exit "\${FAKE_EXIT:-0}" ;;
  inspect) echo "\${FAKE_OOM:-false}"; exit 0 ;;
  rm|stop|kill) exit 0 ;;
esac
exit 99
`;

describe('buildJobScript', () => {
  let dir: string;
  let request: ExecutionRequest;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-slurm-script-'));
    await mkdir(join(dir, 'bin'));
    await mkdir(join(dir, 'attempt', 'work'), { recursive: true });
    await writeFile(join(dir, 'bin', 'apptainer'), FAKE_APPTAINER);
    await writeFile(join(dir, 'bin', 'docker'), FAKE_DOCKER);
    await chmod(join(dir, 'bin', 'apptainer'), 0o755);
    await chmod(join(dir, 'bin', 'docker'), 0o755);
    request = testRequest({
      runId: 'run-1',
      taskName: "it's",
      attemptName: 'task-1',
      paths: { root: join(dir, 'attempt'), commandFile: join(dir, 'attempt', 'command'), workDir: join(dir, 'attempt', 'work'), stdoutFile: join(dir, 'out'), stderrFile: join(dir, 'err') },
      inputs: [
        { hostPath: join(dir, "in put's,1.txt"), guestPath: '/mnt/task/inputs/a.txt', type: 'file' },
        { hostPath: join(dir, 'shared'), guestPath: '/mnt/shared', type: 'directory', writable: true },
      ],
      env: { GREETING: "it's $HOME `id` \\ \"q\"\nline 2" },
      constraints: { containers: [], cpu: 1.5, memory: 64 * 1024 * 1024, cpuLimit: 2, disks: {} },
      labels: { 'io.capstan.run-id': 'run-1', 'io.capstan.task': "it's" },
    });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  const plan = (runtime: 'apptainer' | 'docker', uris: string[], extra: Partial<JobScriptPlan> = {}): JobScriptPlan => ({
    request,
    runtime,
    runtimeBinary: runtime,
    runtimeArgs: ['--writable-tmpfs'],
    capDrop: ['MKNOD', 'NET_RAW'],
    candidates: imageCandidates(uris.map(parseContainerSource), { runtime, insecureRegistries: [] }).candidates,
    logins: { '127.0.0.1:5000': 1 },
    sifCacheDir: join(dir, 'cache'),
    statusFile: join(dir, 'status'),
    disks: [{ mountPoint: '/mnt/scratch', hostPath: join(dir, 'attempt', 'disks', 'mnt_scratch') }],
    network: 'none',
    graceSeconds: 2,
    noPrivs: true,
    memoryLimitBytes: 64 * 1024 * 1024,
    ...extra,
  });

  const runScript = async (script: string, env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> => {
    await writeFile(join(dir, 'job.sh'), script);
    return new Promise((resolve) => {
      execFile('/bin/sh', [join(dir, 'job.sh')], { env: { PATH: `${join(dir, 'bin')}:/usr/bin:/bin`, FAKE_LOG: join(dir, 'log'), ...env } }, (error, stdout, stderr) => {
        resolve({ code: error === null ? 0 : Number((error as { code?: number }).code), stdout, stderr });
      });
    });
  };

  it('apptainer: converts a docker:// image once into the cache, then runs it with the guest layout and the exit code', async () => {
    const script = buildJobScript(plan('apptainer', ['docker://127.0.0.1:5000/capstan/busybox:1']));
    const first = await runScript(script, { FAKE_EXIT: '3', CAPSTAN_LOGIN_1_USER: 'alice', CAPSTAN_LOGIN_1_PASSWORD: 'secret' });
    expect(first.code).toBe(3);
    const args = first.stdout.split('\n').filter((line) => line.startsWith('[')).map((line) => line.slice(1, -1));
    expect(args.slice(0, 2)).toEqual(['-q', 'exec']);
    expect(args).toEqual(expect.arrayContaining(['--containall', '--cleanenv', '--net', '--network', 'none', '--writable-tmpfs']));
    expect(args.includes('--no-privs')).toBe(process.getuid?.() === 0);
    expect(args).toContain(`type=bind,src=${join(dir, 'attempt', 'work')},dst=/mnt/task/work`);
    expect(args).toContain(`type=bind,src=${join(dir, 'attempt', 'command')},dst=/mnt/task/command,ro`);
    expect(args).toContain(`type=bind,"src=${join(dir, "in put's,1.txt")}",dst=/mnt/task/inputs/a.txt,ro`);
    expect(args).toContain(`type=bind,src=${join(dir, 'shared')},dst=/mnt/shared`);
    expect(args).toContain(`type=bind,src=${join(dir, 'attempt', 'disks', 'mnt_scratch')},dst=/mnt/scratch`);
    expect(args.slice(-3)).toEqual([expect.stringMatching(/^.*\/cache\/127\.0\.0\.1_5000_capstan_busybox_1-[0-9a-f]{16}\.sif$/), 'sh', '/mnt/task/command']);
    // Apptainer expands $, backquotes and backslashes: they arrive escaped; the rest as written, newline included.
    expect(first.stdout).toContain('APPTAINERENV_GREETING=it\'s \\$HOME \\`id\\` \\\\ "q"\nline 2');
    expect(parseStatusFile(await readFile(join(dir, 'status'), 'utf8'))).toEqual({ exitCode: 3 });
    expect(await readFile(join(dir, 'log'), 'utf8')).toBe('pull-flag --no-https\npull-flag --disable-cache\npull docker://127.0.0.1:5000/capstan/busybox:1 user=alice\n');

    const second = await runScript(script);
    expect(second.code).toBe(0);
    expect((await readFile(join(dir, 'log'), 'utf8')).match(/^pull docker/gm)).toHaveLength(1);
  });

  it('apptainer: tries candidates in order and reports every failure when none works', async () => {
    const failing = await runScript(buildJobScript(plan('apptainer', ['docker://127.0.0.1:5000/missing:1', join(dir, 'nothing.sif')])));
    expect(failing.code).toBe(NO_IMAGE_EXIT);
    const status = parseStatusFile(await readFile(join(dir, 'status'), 'utf8'));
    expect(status.imageError).toContain('docker://127.0.0.1:5000/missing:1: apptainer pull failed: FATAL: no such image');
    expect(status.imageError).toContain(`there is no SIF file at ${join(dir, 'nothing.sif')}`);

    await writeFile(join(dir, 'there.sif'), 'sif');
    const working = await runScript(buildJobScript(plan('apptainer', ['docker://127.0.0.1:5000/missing:1', join(dir, 'there.sif')])));
    expect(working.code).toBe(0);
    expect(working.stdout).toContain(`[${join(dir, 'there.sif')}]`);
  });

  it('docker: runs the first image present with labels, limits, the task user and variables by name; reports an OOM kill', async () => {
    const script = buildJobScript(plan('docker', ['127.0.0.1:5000/missing:1', 'capstan-test/busybox:1']));
    const result = await runScript(script, { FAKE_EXIT: '137', FAKE_OOM: 'true' });
    expect(result.code).toBe(137);
    const args = result.stdout.split('\n').filter((line) => line.startsWith('[')).map((line) => line.slice(1, -1));
    expect(args.slice(0, 3)).toEqual(['run', '--name', 'task-1']);
    expect(args).toEqual(expect.arrayContaining(['--label', "io.capstan.task=it's", '--entrypoint', '', '--workdir', '/mnt/task/work', '--network', 'none', '--cpus', '2', '--memory', `${64 * 1024 * 1024}b`, '--env', 'GREETING', '--security-opt', 'no-new-privileges']));
    expect(args.join(' ')).toContain('--cap-drop MKNOD --cap-drop NET_RAW');
    expect(args).toContain(`type=bind,"source=${join(dir, "in put's,1.txt")}",target=/mnt/task/inputs/a.txt,readonly`);
    expect(args[args.indexOf('--user') + 1]).toBe(`${process.getuid?.()}:${process.getgid?.()}`);
    expect(args.slice(-3)).toEqual(['capstan-test/busybox:1', 'sh', '/mnt/task/command']);
    // Docker gets the value from its own environment: exactly as given, never on a command line.
    expect(result.stdout).toContain("GREETING=it's $HOME `id` \\ \"q\"\nline 2\n");
    expect(parseStatusFile(await readFile(join(dir, 'status'), 'utf8'))).toEqual({ exitCode: 137, oomKilled: true });
    const log = await readFile(join(dir, 'log'), 'utf8');
    expect(log).toContain('pull -q 127.0.0.1:5000/missing:1');
    expect(log.trim().split('\n').slice(-2)).toEqual(['inspect --format {{.State.OOMKilled}} task-1', 'rm -f task-1']);
  });

  it('docker: a cancel that comes before the container exists stops it once it does, and removes it', async () => {
    // The fake `docker stop` fails twice (no such container yet), then ends the fake `docker run`.
    const fake = `#!/bin/sh
echo "$*" >>"$FAKE_LOG"
case "$1" in
  image) exit 0 ;;
  run) echo $$ >"$FAKE_DIR/run.pid"; exec sleep 30 ;;
  stop) n=$(cat "$FAKE_DIR/stops" 2>/dev/null || echo 0); echo $((n + 1)) >"$FAKE_DIR/stops"
        [ "$n" -ge 2 ] || { echo "No such container" >&2; exit 1; }
        kill -TERM "$(cat "$FAKE_DIR/run.pid")"; exit 0 ;;
  inspect) echo false; exit 0 ;;
esac
exit 0
`;
    await writeFile(join(dir, 'bin', 'docker'), fake);
    await writeFile(join(dir, 'job.sh'), buildJobScript(plan('docker', ['capstan-test/busybox:1'])));
    const child = spawn('/bin/sh', [join(dir, 'job.sh')], { env: { PATH: `${join(dir, 'bin')}:/usr/bin:/bin`, FAKE_LOG: join(dir, 'log'), FAKE_DIR: dir }, stdio: 'ignore' });
    const ended = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    for (let tries = 0; !(await readFile(join(dir, 'run.pid'), 'utf8').catch(() => '')); tries += 1) {
      if (tries > 200) throw new Error('the fake docker run did not start');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    child.kill('SIGTERM');
    expect(await ended).toBe(143);
    const calls = (await readFile(join(dir, 'log'), 'utf8')).trim().split('\n').map((line) => line.split(' ')[0]);
    expect(calls.filter((call) => call === 'stop')).toHaveLength(3);
    expect(calls.slice(-2)).toEqual(['inspect', 'rm']);
    expect(parseStatusFile(await readFile(join(dir, 'status'), 'utf8'))).toEqual({ exitCode: 143, oomKilled: false });
  });

  it('docker: refuses task variables that would steer the docker CLI', () => {
    request = { ...request, env: { DOCKER_HOST: 'tcp://elsewhere:2375' } };
    expect(() => buildJobScript(plan('docker', ['capstan-test/busybox:1']))).toThrow(/DOCKER_HOST.*would also steer the docker CLI/);
    expect(() => buildJobScript(plan('apptainer', ['capstan-test/busybox:1']))).not.toThrow();
  });

  it('says which runtime is missing on the node', async () => {
    const result = await runScript(buildJobScript(plan('docker', ['capstan-test/busybox:1'], { runtimeBinary: 'no-such-runtime' })));
    expect(result.code).toBe(127);
    expect(parseStatusFile(await readFile(join(dir, 'status'), 'utf8')).runtimeMissing).toMatch(/^no-such-runtime on node /);
  });
});
