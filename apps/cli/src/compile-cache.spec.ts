import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCli, cliBundle, execFileAsync, folderPerTest } from './testing/cli-harness';

// The launcher turns on Node's module compile cache under the user's cache folder (tools/bundle-app.mjs): the second
// start reads V8's code instead of compiling the bundle again. Seen from outside through Node's own report of what
// the cache did (NODE_DEBUG_NATIVE=COMPILE_CACHE), never through timing.
describe('compile cache: the CLI keeps compiled code in the user cache folder, and a cache it cannot use never breaks a run', () => {
  jest.setTimeout(120_000);
  beforeAll(buildCli, 60_000);
  const folder = folderPerTest('compile-cache-');

  interface Run {
    readonly code: number;
    readonly stdout: string;
    readonly stderr: string;
    /** Node's compile cache lines about Capstan's own bundle files: `accepted`, `not initialized`, ... by file name. */
    readonly cache: ReadonlyMap<string, string>;
  }

  /** `capstan run --backend local -- echo ok` with this environment (the test's own NODE_*COMPILE_CACHE left out). */
  async function run(env: NodeJS.ProcessEnv): Promise<Run> {
    const { NODE_COMPILE_CACHE: _cache, NODE_DISABLE_COMPILE_CACHE: _disabled, ...inherited } = process.env;
    const args = [cliBundle, 'run', '--backend', 'local', '--work-root', join(folder(), 'runs'), '--', 'echo', 'ok'];
    let result: { code: number; stdout: string; stderr: string };
    try {
      result = { code: 0, ...(await execFileAsync(process.execPath, args, { cwd: folder(), env: { ...inherited, NODE_DEBUG_NATIVE: 'COMPILE_CACHE', ...env } })) };
    } catch (error) {
      result = error as { code: number; stdout: string; stderr: string };
    }
    const cache = new Map<string, string>();
    // Node 24 says "V8 code cache for ESM file://...", Node 22 "cache for file://...".
    for (const match of result.stderr.matchAll(/(?:V8 code cache for ESM|\] cache for) file:\/\/\S*\/(capstan\.(?:main\.mjs|chunks\/\S+\.mjs)) was ([a-z ]+?)(?:,|$)/gm)) {
      cache.set(match[1] as string, match[2] as string);
    }
    return { ...result, cache };
  }

  const statuses = (one: Run): string[] => [...new Set(one.cache.values())].sort();
  const cacheFiles = async (dir: string): Promise<string[]> =>
    (await readdir(dir, { recursive: true, withFileTypes: true })).filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));

  it('the first run writes the cache under XDG_CACHE_HOME/capstan/compile-cache; the second compiles nothing it loads', async () => {
    const home = join(folder(), 'cache-home');
    const first = await run({ XDG_CACHE_HOME: home });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/echo +succeeded/);
    // Control: the first run found nothing, so the check below can fail.
    expect(first.cache.size).toBeGreaterThan(10);
    expect(statuses(first)).toEqual(['not initialized']);
    expect((await cacheFiles(join(home, 'capstan', 'compile-cache'))).length).toBeGreaterThan(10);

    const second = await run({ XDG_CACHE_HOME: home });
    expect(second.code).toBe(0);
    expect([...second.cache.keys()].sort()).toEqual([...first.cache.keys()].sort());
    expect(statuses(second)).toEqual(['accepted']);
  });

  it('fault: a cache folder that cannot be made (XDG_CACHE_HOME is a file) runs uncached, with no word about it', async () => {
    const file = join(folder(), 'not-a-folder');
    await writeFile(file, 'x');
    for (let round = 0; round < 2; round += 1) {
      const result = await run({ XDG_CACHE_HOME: file, NODE_DEBUG_NATIVE: '' });
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/echo +succeeded/);
      expect(result.stderr).not.toMatch(/cache|warning|error/i);
    }
    expect(await readFile(file, 'utf8')).toBe('x');
  });

  it('hostile: cache files overwritten with garbage are rejected and rewritten; the run is unchanged', async () => {
    const home = join(folder(), 'cache-home');
    expect((await run({ XDG_CACHE_HOME: home })).code).toBe(0);
    const files = await cacheFiles(join(home, 'capstan', 'compile-cache'));
    await Promise.all(files.map((file) => writeFile(file, Buffer.alloc(4096, 0x5a))));
    const spoiled = await run({ XDG_CACHE_HOME: home });
    expect(spoiled.code).toBe(0);
    expect(spoiled.stdout).toMatch(/echo +succeeded/);
    const outputs = (await cacheFiles(join(folder(), 'runs'))).filter((file) => file.endsWith('/attempts/1/stdout'));
    expect(await Promise.all(outputs.map((file) => readFile(file, 'utf8')))).toEqual(['ok\n', 'ok\n']);
    expect(statuses(spoiled)).toEqual(['not initialized']);
    // Node wrote good entries back: the next run uses them.
    expect(statuses(await run({ XDG_CACHE_HOME: home }))).toEqual(['accepted']);
  });

  it('shared: runs started together on one empty cache folder all succeed, and leave a cache the next run accepts', async () => {
    const home = join(folder(), 'cache-home');
    const together = await Promise.all([1, 2, 3].map(() => run({ XDG_CACHE_HOME: home })));
    expect(together.map((one) => one.code)).toEqual([0, 0, 0]);
    expect(statuses(await run({ XDG_CACHE_HOME: home }))).toEqual(['accepted']);
  });

  it("the user's own NODE_COMPILE_CACHE wins, and NODE_DISABLE_COMPILE_CACHE turns the cache off", async () => {
    const home = join(folder(), 'cache-home');
    const own = join(folder(), 'own-cache');
    expect((await run({ XDG_CACHE_HOME: home, NODE_COMPILE_CACHE: own })).code).toBe(0);
    expect((await cacheFiles(own)).length).toBeGreaterThan(10);
    const off = await run({ XDG_CACHE_HOME: home, NODE_DISABLE_COMPILE_CACHE: '1' });
    expect(off.code).toBe(0);
    expect(off.cache.size).toBe(0);
    await expect(readdir(home)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
