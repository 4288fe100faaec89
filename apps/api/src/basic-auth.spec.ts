import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApps, execFileAsync, type RunningApi, startApi, stopApi, workspaceRoot } from './testing/api-harness';

// The Basic-authentication example of docs/security.md, run as written against the bundled server on Docker: the
// hash command, the configuration, the curl call (only the address is the test's own port).
jest.setTimeout(180_000);

/** The documented address of the API (the default port); the harness's url is the same with the test's port. */
const DOC_ADDRESS = 'http://127.0.0.1:8000/ga4gh/tes/v1';

interface DocBlocks {
  readonly hashCommand: string;
  readonly config: string;
  readonly curl: string;
}

async function docBlocks(): Promise<DocBlocks> {
  const text = await readFile(join(workspaceRoot, 'docs', 'security.md'), 'utf8');
  const start = text.indexOf('**Basic authentication beside tokens**');
  const section = text.slice(start, text.indexOf('\n- **', start));
  const blocks = [...section.matchAll(/```(sh|yaml)\n([\s\S]*?)\n *```/g)].map((match) => ({ language: match[1], body: (match[2] ?? '').replace(/^ {2}/gm, '') }));
  const [hash, config, curl] = blocks;
  if (start < 0 || hash?.language !== 'sh' || config?.language !== 'yaml' || curl?.language !== 'sh') throw new Error('docs/security.md lost its Basic authentication example (sh, yaml, sh)');
  return { hashCommand: hash.body, config: config.body, curl: curl.body };
}

let base: string;
let api: RunningApi;
let blocks: DocBlocks;

beforeAll(async () => {
  base = await mkdtemp(join(tmpdir(), 'capstan-tes-terms-basic-'));
  blocks = await docBlocks();
  await writeFile(join(base, 'capstan.yaml'), blocks.config);
  await buildApps();
  api = await startApi(['--backend', 'docker', '--data-dir', join(base, 'data'), '--config', join(base, 'capstan.yaml')]);
});

afterAll(async () => {
  if (api !== undefined) await stopApi(api);
  await rm(base, { recursive: true, force: true });
});

it('the documented hash command prints an scrypt hash of the documented form', async () => {
  const { stdout } = await execFileAsync('sh', ['-c', blocks.hashCommand]);
  expect(stdout.trim()).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
});

it('the documented curl call lists tasks as alice; a wrong password and no credentials are 401s', async () => {
  const curl = blocks.curl.replace(DOC_ADDRESS, api.url);
  expect(curl).not.toBe(blocks.curl);
  const { stdout } = await execFileAsync('sh', ['-c', curl]);
  expect(JSON.parse(stdout)).toEqual(expect.objectContaining({}));
  const wrong = await execFileAsync('sh', ['-c', `${curl.replace('staple', 'stapler')} -o /dev/null -w '%{http_code}' || true`]);
  expect(wrong.stdout).toBe('401');
  expect((await api.call('/tasks', { token: null })).status).toBe(401);
  expect(api.output().stdout).not.toContain('correct horse');
});

it('fault: a configuration holding the password itself is refused at start, without quoting it', async () => {
  const plain = join(base, 'plain.yaml');
  await writeFile(plain, 'api:\n  auth:\n    users:\n      - { name: alice, passwordHash: "correct horse battery staple" }\n');
  await expect(startApi(['--backend', 'docker', '--data-dir', join(base, 'data-plain'), '--config', plain])).rejects.toThrow(/auth\.users\.0\.passwordHash/);
  await expect(startApi(['--backend', 'docker', '--data-dir', join(base, 'data-plain'), '--config', plain])).rejects.not.toThrow(/correct horse/);
});
