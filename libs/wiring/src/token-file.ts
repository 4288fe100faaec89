import { CapstanError, describeValue, ErrorCode } from '@capstan/core-constraints';
import { type PrincipalToken, tokenProblem } from '@capstan/tes-server';
import { readFile, stat } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';

const EXAMPLE = '- { name: alice, token: <openssl rand -hex 32> }\n- { name: ops, token: <...>, admin: true }';

function refuse(file: string, problem: string, details: Record<string, unknown> = {}): CapstanError {
  return new CapstanError(ErrorCode.InvalidConfig, `the tokens file ${file} ${problem}`, { path: 'api.auth.tokenFile', details: { file, ...details } });
}

/**
 * Reads a tokens file: a YAML (or JSON) list of `{ name, token, admin? }`, one principal each. The file must be
 * readable by its owner only (like an ssh key), since it holds every client's secret. Errors name the file, the entry
 * and the principal, never a token.
 */
export async function readTokenFile(file: string): Promise<PrincipalToken[]> {
  let mode: number;
  let text: string;
  try {
    const stats = await stat(file);
    if (!stats.isFile()) throw refuse(file, 'is not a regular file; give the path of a YAML file');
    mode = stats.mode & 0o777;
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof CapstanError) throw error;
    throw refuse(file, `cannot be read (${(error as Error).message}); give an existing file this user may read`);
  }
  if ((mode & 0o077) !== 0) {
    throw refuse(file, `may be read by other users (mode ${mode.toString(8)}); make it private with \`chmod 600 ${file}\``, { mode: mode.toString(8) });
  }
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch {
    // The parser's message may quote the line, and with it a token.
    throw refuse(file, `is not valid YAML; write a list of principals:\n${EXAMPLE}`);
  }
  if (!Array.isArray(document) || document.length === 0) {
    throw refuse(file, `holds ${Array.isArray(document) ? 'an empty list' : describeValue(document === null || typeof document === 'object' ? (document === null ? null : 'a mapping') : typeof document)}, not a list of principals; write:\n${EXAMPLE}`);
  }
  return document.map((entry: unknown, index) => principalOf(file, entry, index));
}

function principalOf(file: string, entry: unknown, index: number): PrincipalToken {
  const where = `entry ${index + 1}`;
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw refuse(file, `has an ${where} that is not a mapping; write { name: alice, token: <token> }`);
  const { name, token, admin, ...rest } = entry as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) throw refuse(file, `has the unknown key ${JSON.stringify(unknown[0])} in ${where}; the known keys are name, token, admin`);
  if (typeof name !== 'string' || name === '') throw refuse(file, `has no name in ${where}; give each principal a name, e.g. name: alice`);
  const principal = `${where} (principal ${JSON.stringify(name)})`;
  if (typeof token !== 'string') throw refuse(file, `has no token in ${principal}; add token: <the output of openssl rand -hex 32>`);
  const problem = tokenProblem(token);
  if (problem !== undefined) throw refuse(file, `has a token in ${principal} that ${problem}`, { principal: name });
  if (admin !== undefined && typeof admin !== 'boolean') throw refuse(file, `has admin: ${describeValue(admin)} in ${principal}; write admin: true or admin: false`);
  return { name, token, admin: admin === true };
}
