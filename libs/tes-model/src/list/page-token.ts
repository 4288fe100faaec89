import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { z } from 'zod';
import { showValue } from '../support/show-value';

/** Where the next page starts: after the task with this id, in the list order (newest first). */
export interface PageCursor {
  readonly after: string;
}

const TOKEN_VERSION = 1;
const MAX_KEY_LENGTH = 256;
const tokenSchema = z.strictObject({ v: z.literal(TOKEN_VERSION), after: z.string().min(1).max(MAX_KEY_LENGTH) });

/**
 * The `next_page_token` for a cursor: base64url of a small versioned JSON (`{"v":1,"after":"<task id>"}`). Opaque to
 * clients. Because it names a position by key (the last task id seen) rather than by offset, pages stay stable while
 * tasks are created (new ids sort before the cursor in newest-first order) or deleted.
 */
export function encodePageToken(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify({ v: TOKEN_VERSION, after: cursor.after }), 'utf8').toString('base64url');
}

/** Reads a `page_token`; throws a CapstanError (`tes.invalid_query`, path `page_token`) for any token this server did not make. */
export function decodePageToken(token: string): PageCursor {
  const refuse = (): never => {
    throw new CapstanError(
      ErrorCode.TesInvalidQuery,
      `page_token is ${showValue(token)}, which is not a token this server issued; leave page_token out to start from the first page, then pass next_page_token exactly as it was returned`,
      { path: 'page_token', details: { value: token } },
    );
  };
  if (!/^[A-Za-z0-9_-]+$/.test(token) || token.length > 1024) return refuse();
  const text = Buffer.from(token, 'base64url').toString('utf8');
  // Buffer skips stray bits and invalid UTF-8 quietly; a token that does not encode back to itself was not ours.
  if (Buffer.from(text, 'utf8').toString('base64url') !== token) return refuse();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return refuse();
  }
  const parsed = tokenSchema.safeParse(json);
  return parsed.success ? { after: parsed.data.after } : refuse();
}
