import { ErrorCode } from '@capstan/core-constraints';
import { z } from 'zod';

/** A refinement whose message shows the value refused and says why, as every config check of Capstan's does. */
function check<T>(test: (value: T) => boolean, explain: string): [(value: T) => boolean, { error: (issue: { input: unknown }) => string; params: { capstanCode: ErrorCode } }] {
  return [test, { error: (issue) => `${JSON.stringify(issue.input)} ${explain}`, params: { capstanCode: ErrorCode.InvalidConfig } }];
}

// A host name or address as ssh takes it: never an option (a leading "-") nor a user@ or a space.
const HOST = /^[A-Za-z0-9_.:[\]-]+$/;
const USER = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const absolute = (what: string) => z.string().refine(...check((value: string) => value.startsWith('/'), `is not an absolute path to the ${what}`));

/**
 * A scheduler backend's `ssh` section (`batch.ssh`): run its commands on a login node over SSH with the system `ssh`
 * client. The work root must be on a file system both sides share (the job script and the task's files are written
 * here, read there).
 */
export const sshOptionsSchema = z.strictObject({
  host: z.string().refine(...check((value: string) => HOST.test(value) && !value.startsWith('-'), 'is not a host name or address (letters, digits, ".", "-", ":"); the user goes in ssh.user')),
  port: z.number().int().min(1).max(65_535).default(22),
  user: z.string().refine(...check((value: string) => USER.test(value), 'is not a user name')),
  /** The private key (no passphrase: nothing can type one). */
  identityFile: absolute('private key'),
  /** Holds the login node's host key; the connection is refused when the key it shows is not in it. */
  knownHostsFile: absolute('known_hosts file'),
  /** How long one connection attempt may take. */
  connectTimeoutSeconds: z.number().int().min(1).max(300).default(10),
});

export type SshOptionsInput = z.input<typeof sshOptionsSchema>;
export type SshOptions = z.output<typeof sshOptionsSchema>;
