import { CapstanError } from '@capstan/core-constraints';
import { inputSource } from './input-source';

describe('inputSource', () => {
  it.each([
    [{ path: '/a', content: 'text' }, { kind: 'content', content: 'text' }],
    [{ path: '/a', content: 'text', url: 's3://b/a' }, { kind: 'content', content: 'text' }],
    [{ path: '/a', content: '', url: 's3://b/a' }, { kind: 'url', url: 's3://b/a' }],
    [{ path: '/a', url: 's3://b/a' }, { kind: 'url', url: 's3://b/a' }],
  ])('takes %j from %j', (input, source) => {
    expect(inputSource(input)).toEqual(source);
  });

  it.each([{ path: '/a' }, { path: '/a', url: '', content: '' }])('refuses %j, which has no source', (input) => {
    expect(() => inputSource(input)).toThrow(CapstanError);
    expect(() => inputSource(input)).toThrow('the input for "/a" has neither url nor content');
  });
});
