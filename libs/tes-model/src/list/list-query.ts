import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { TES_STATES, type TesState, tesStateSchema } from '../model/tes-state';
import { listNames, showValue } from '../support/show-value';
import { parseView, type TesView } from '../views/task-view';
import { decodePageToken, type PageCursor } from './page-token';

/** The spec's default page size. */
export const DEFAULT_PAGE_SIZE = 256;
/** The largest page size: the spec says page_size "must be less than 2048". */
export const MAX_PAGE_SIZE = 2047;

/** A query string as HTTP servers hand it over: a repeated parameter is a list. */
export type QueryParameters = Readonly<Record<string, string | readonly string[] | undefined>>;

/** The ListTasks query, read and checked. */
export interface ListQuery {
  readonly pageSize: number;
  /** The token as sent, and the cursor it holds. */
  readonly pageToken: string | undefined;
  readonly cursor: PageCursor | undefined;
  readonly namePrefix: string | undefined;
  readonly state: TesState | undefined;
  /** The zipped tag_key / tag_value pairs; an empty value matches any value (see `matchesTags`). */
  readonly tags: Readonly<Record<string, string>>;
  readonly view: TesView;
}

function refuse(parameter: string, problem: string, value: unknown): never {
  throw new CapstanError(ErrorCode.TesInvalidQuery, `${parameter} ${problem}`, { path: parameter, details: { value } });
}

function times(count: number): string {
  return count === 1 ? 'once' : `${count} times`;
}

function asList(value: string | readonly string[] | undefined): readonly string[] {
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

/** A parameter that may appear once; the empty string counts as not given (protobuf's "not set"). */
function single(query: QueryParameters, parameter: string): string | undefined {
  const values = asList(query[parameter]);
  if (values.length > 1) refuse(parameter, `is given ${times(values.length)} (${values.map(showValue).join(', ')}); give it once`, values);
  const value = values[0];
  return value === undefined || value === '' ? undefined : value;
}

function parsePageSize(text: string | undefined): number {
  if (text === undefined) return DEFAULT_PAGE_SIZE;
  const fix = `ask for 1 to ${MAX_PAGE_SIZE} tasks (the spec allows fewer than 2048), or leave page_size out for ${DEFAULT_PAGE_SIZE}`;
  if (!/^[0-9]+$/.test(text)) refuse('page_size', `is ${showValue(text)}, not a whole number; ${fix}`, text);
  const size = Number(text);
  if (size < 1) refuse('page_size', `is ${text}; ${fix}`, text);
  if (size > MAX_PAGE_SIZE) refuse('page_size', `is ${text}, too large; ${fix}, and follow next_page_token for more`, text);
  return size;
}

function parseState(text: string | undefined): TesState | undefined {
  if (text === undefined) return undefined;
  const parsed = tesStateSchema.safeParse(text);
  if (parsed.success) return parsed.data;
  const upper = text.toUpperCase();
  const hint = (TES_STATES as readonly string[]).includes(upper) ? `; states are upper case: ${upper}` : '';
  return refuse('state', `is ${showValue(text)}, not a TES state; use one of ${listNames(TES_STATES, 'or')}${hint}`, text);
}

/**
 * The tag filter: `tag_key` and `tag_value` are zipped by position (`?tag_key=a&tag_value=1&tag_key=b` gives
 * `{a: "1", b: ""}`); a key without a value, or with an empty one, matches any value. More values than keys, an
 * empty key, or one key asked with two different values (no task can match both) is refused.
 */
function parseTags(query: QueryParameters): Record<string, string> {
  const keys = asList(query['tag_key']);
  const values = asList(query['tag_value']);
  if (values.length > keys.length) {
    refuse('tag_value', `is given ${times(values.length)} but tag_key only ${times(keys.length)}; each tag_value pairs with the tag_key at the same position, so give a tag_key for each`, values);
  }
  const tags = new Map<string, string>();
  keys.forEach((key, index) => {
    const value = values[index] ?? '';
    if (key === '') refuse('tag_key', `is empty (at position ${index + 1}); give the name of the tag to filter on`, keys);
    const earlier = tags.get(key);
    if (earlier !== undefined && earlier !== '' && value !== '' && earlier !== value) {
      refuse('tag_value', `asks tag ${showValue(key)} to be both ${showValue(earlier)} and ${showValue(value)}, which no task can match; give one value per tag_key`, values);
    }
    tags.set(key, earlier === undefined || earlier === '' ? value : earlier);
  });
  return Object.fromEntries(tags);
}

/**
 * Reads the ListTasks query (`page_size`, `page_token`, `name_prefix`, `state`, `tag_key`, `tag_value`, `view`).
 * Other parameters are ignored. Throws a CapstanError (`tes.invalid_query`) naming the parameter.
 */
export function parseListQuery(query: QueryParameters): ListQuery {
  const pageToken = single(query, 'page_token');
  return {
    pageSize: parsePageSize(single(query, 'page_size')),
    pageToken,
    cursor: pageToken === undefined ? undefined : decodePageToken(pageToken),
    namePrefix: single(query, 'name_prefix'),
    state: parseState(single(query, 'state')),
    tags: parseTags(query),
    view: parseView(query['view']),
  };
}
