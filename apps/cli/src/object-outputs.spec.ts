import { localS3Server, ownS3Server } from '@capstan/backend-test-kit';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { buildCli, startCapstan, taskFolder, until } from './testing/cli-harness';
import { IMAGE, readText, resultOf, runWithStore, s3Section, storeOf } from './testing/object-store-cli';
import { writeFile } from 'node:fs/promises';

const server = localS3Server();
const store = storeOf(server);
const PREFIX = `taskfiles-s3-out-${process.pid}-${Date.now()}`;
const sha = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('capstan run --output-dir s3://...: outputs published to an object store (the built CLI, real s3rver and Docker)', () => {
  jest.setTimeout(120_000);
  const folder = taskFolder('capstan-taskfiles-s3-out-');
  beforeAll(buildCli, 90_000);

  const quick = (outputDir: string, command: string, outputs: readonly string[]): string[] => [
    '--output-dir', outputDir, '--image', IMAGE, '--shell', 'sh', '--memory', '32 MiB', ...outputs.flatMap((output) => ['--output', output]), '--name', 'pub', '--', 'sh', '-c', command,
  ];

  it('uploads each declared output under <prefix>/<task>/ with outputs.json giving its URL, size and sha256', async () => {
    const prefix = `s3://${server.bucket}/${PREFIX}/one`;
    const result = await runWithStore(folder.dir(), server, quick(prefix, 'mkdir -p sub && printf alpha > a.txt && printf beta > sub/b.txt', ['a.txt', 'sub/*.txt']));
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const published = resultOf(result.stdout)?.published ?? [];
    expect(published.map((file) => [file.path, file.size, file.sha256]).sort()).toEqual([
      [`${prefix}/pub/a.txt`, 5, sha('alpha')],
      [`${prefix}/pub/sub/b.txt`, 4, sha('beta')],
    ]);
    expect(resultOf(result.stdout)?.outputsFolder).toBe(`${prefix}/pub`);
    expect(await readText(store, `${prefix}/pub/a.txt`)).toBe('alpha');
    expect(await readText(store, `${prefix}/pub/sub/b.txt`)).toBe('beta');
    const manifest = JSON.parse(await readText(store, `${prefix}/outputs.json`)) as { outputs: { path: string; size: number; sha256: string }[] };
    expect(manifest.outputs.map((entry) => entry.path).sort()).toEqual([`${prefix}/pub/a.txt`, `${prefix}/pub/sub/b.txt`]);
    expect(manifest.outputs.map((entry) => entry.sha256).sort()).toEqual([sha('alpha'), sha('beta')].sort());
  });

  it('names the uploaded files and the manifest by their URLs in the summary a person reads', async () => {
    const prefix = `s3://${server.bucket}/${PREFIX}/summary`;
    const result = await runWithStore(folder.dir(), server, quick(prefix, 'printf alpha > a.txt', ['a.txt']), undefined, false);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`${prefix}/pub/a.txt (5 B)`);
    expect(result.stdout).toContain(`manifest: ${prefix}/outputs.json`);
  });

  it('hostile: a credential written into --output-dir is refused typed and never shown; nothing is uploaded', async () => {
    const secret = 'taskfiles-s3-dir-secret-5432';
    const result = await runWithStore(folder.dir(), server, quick(`s3://AKIATASKFILES:${secret}@${server.bucket}/${PREFIX}/cred`, 'printf a > a.txt', ['a.txt']));
    expect(result.code).toBe(65);
    expect(resultOf(result.stdout)?.error).toMatchObject({ code: 'transfer.refused', path: 'outputDir' });
    expect(result.stdout).not.toContain('"attempt-started"');
    expect(`${result.stdout}${result.stderr}`).not.toContain(secret);
    expect(await store.list(new URL(`s3://${server.bucket}/${PREFIX}/cred`))).toEqual([]);
  });

  it('hostile: an output that links out of the task folder is not uploaded; the rest is', async () => {
    const prefix = `s3://${server.bucket}/${PREFIX}/hostile`;
    const result = await runWithStore(folder.dir(), server, quick(prefix, 'ln -s /etc/passwd leak.txt && printf ok > ok.txt', ['*.txt']));
    expect(result.code).toBe(0);
    const run = resultOf(result.stdout);
    expect(run?.published.map((file) => file.path)).toEqual([`${prefix}/pub/ok.txt`]);
    expect(run?.warnings.join('\n')).toContain('leak.txt');
    expect((await store.list(new URL(`${prefix}/pub`))).map((object) => object.relativePath)).toEqual(['ok.txt']);
  });

  it('fault: the store stopped mid-run fails the publishing typed, never a false success', async () => {
    const { server: own, process: child } = await ownS3Server(server, join(folder.dir(), 'store'), 'capstan-taskfiles-s3');
    const file = join(folder.dir(), 'capstan.json');
    await writeFile(file, JSON.stringify({ backend: 'docker', workRoot: join(folder.dir(), 'runs'), transfer: { s3: s3Section(own) } }));
    const prefix = 's3://capstan-taskfiles-s3/out';
    const started = startCapstan(['run', '--json', '--config', file, ...quick(prefix, 'sleep 3 && printf late > late.txt', ['late.txt'])], { cwd: folder.dir() });
    try {
      await until(() => started.output().stdout.includes('"attempt-started"'), 60_000, 'the attempt started');
      child.kill('SIGKILL');
      const exited = await started.exited;
      const run = resultOf(started.output().stdout);
      expect(exited.code).toBe(69);
      expect(run?.state).toBe('error');
      expect(run?.error).toMatchObject({ code: 'transfer.failed', path: 'outputDir' });
      expect(run?.attempts[0]?.exitCode).toBe(0);
      expect(run?.published).toEqual([]);
    } finally {
      child.kill('SIGKILL');
      started.child.kill('SIGKILL');
    }
  });
});
