import { type CapstanError } from '@capstan/core-constraints';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readTokenFile } from './token-file';

const STRONG = '3f9a1c7e5b2d4086a1e3c5b7d9f0a2c4e6b8d0f1a3c5e7b9';
const OTHER = 'd41d8cd98f00b204e9800998ecf8427e0c1a2b3c4d5e6f70';

describe('readTokenFile', () => {
  let folder: string;
  let file: string;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'capstan-tokens-'));
    file = join(folder, 'tokens.yaml');
  });

  afterEach(() => rmSync(folder, { recursive: true, force: true }));

  function write(text: string, mode = 0o600): void {
    writeFileSync(file, text);
    chmodSync(file, mode);
  }

  async function refusal(): Promise<CapstanError> {
    return readTokenFile(file).then(
      () => {
        throw new Error('the file was accepted');
      },
      (error: CapstanError) => error,
    );
  }

  it('reads principals from YAML and from JSON, admin false unless said', async () => {
    write(`- { name: alice, token: ${STRONG} }\n- name: ops\n  token: ${OTHER}\n  admin: true\n`);
    expect(await readTokenFile(file)).toEqual([
      { name: 'alice', token: STRONG, admin: false },
      { name: 'ops', token: OTHER, admin: true },
    ]);
    write(JSON.stringify([{ name: 'alice', token: STRONG }]));
    expect(await readTokenFile(file)).toEqual([{ name: 'alice', token: STRONG, admin: false }]);
  });

  it('refuses a file other users may read, naming the mode and the fix', async () => {
    write(`- { name: alice, token: ${STRONG} }\n`, 0o644);
    const error = await refusal();
    expect(error.message).toBe(`the tokens file ${file} may be read by other users (mode 644); make it private with \`chmod 600 ${file}\``);
    expect(error.path).toBe('api.auth.tokenFile');
  });

  it('refuses a weak token naming the principal and the rule, never the token', async () => {
    write(`- { name: alice, token: ${STRONG} }\n- { name: bob, token: aaaaaaaaaaaaaaaaaaaaaaaa }\n`);
    const error = await refusal();
    expect(error.message).toMatch(/entry 2 \(principal "bob"\) that has too little entropy .*openssl rand -hex 32/);
    expect(error.message).not.toContain('aaaaaaaa');
  });

  it.each([
    ['invalid YAML, without quoting the line (it may hold a token)', `- { name: alice, token: ${STRONG}\n`, /is not valid YAML/],
    ['a mapping', `alice: ${STRONG}\n`, /not a list of principals/],
    ['an empty list', '[]', /holds an empty list/],
    ['an unknown key', `- { name: alice, token: ${STRONG}, role: admin }\n`, /unknown key "role" in entry 1/],
    ['no token', '- { name: alice }\n', /has no token in entry 1 \(principal "alice"\)/],
    ['admin as a string', `- { name: alice, token: ${STRONG}, admin: "yes" }\n`, /admin: "yes" in entry 1/],
  ])('refuses %s', async (_label, text, message) => {
    write(text);
    const error = await refusal();
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(STRONG);
  });

  it('refuses a missing file and a folder', async () => {
    expect((await refusal()).message).toMatch(/cannot be read/);
    file = folder;
    expect((await refusal()).message).toMatch(/is not a regular file/);
  });
});
