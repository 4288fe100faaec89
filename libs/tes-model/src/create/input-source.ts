import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { type TesInput } from '../model/tes-input';

/** Where an input's data comes from, after the spec's rule: content, when not empty, wins over url. */
export type InputSource = { readonly kind: 'content'; readonly content: string } | { readonly kind: 'url'; readonly url: string };

/**
 * The one place the rule "if content is not empty, url must be ignored" is decided. An empty `content` counts as not
 * set (as in protobuf JSON, where the empty string is the unset value), so the url is used then.
 */
export function inputSource(input: Pick<TesInput, 'url' | 'content' | 'path'>): InputSource {
  if (input.content !== undefined && input.content !== '') return { kind: 'content', content: input.content };
  if (input.url !== undefined && input.url !== '') return { kind: 'url', url: input.url };
  throw new CapstanError(ErrorCode.TesInvalidTask, `the input for ${JSON.stringify(input.path)} has neither url nor content; give the url to download it from, or its content`, {
    path: 'url',
  });
}
