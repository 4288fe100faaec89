import { COMMENT_PREFIX, decodeCommentLabels, encodeCommentLabels, MAX_COMMENT_LENGTH } from './comment-labels';

describe('comment labels', () => {
  it('round-trips labels with any characters, as one token without blanks or bars', () => {
    const labels = { 'io.capstan.managed': 'true', 'io.capstan.run-id': 'run-1', 'io.capstan.task': 'a b|c;d=e%f\nü 😀', 'io.capstan.created': '2026-01-01T00:00:00.000Z' };
    const comment = encodeCommentLabels(labels);
    expect(comment.startsWith(COMMENT_PREFIX)).toBe(true);
    expect(comment).not.toMatch(/[\s|]/);
    expect(decodeCommentLabels(comment)).toEqual(labels);
  });

  it('keeps the essential labels and leaves out whole others when the comment would be too long', () => {
    const labels = { 'io.capstan.task': 'x'.repeat(2000), 'io.capstan.managed': 'true', 'io.capstan.run-id': 'run-2', 'io.capstan.unique-name': 'u', 'io.capstan.attempt': '1' };
    const comment = encodeCommentLabels(labels);
    expect(comment.length).toBeLessThanOrEqual(MAX_COMMENT_LENGTH);
    expect(decodeCommentLabels(comment)).toEqual({ 'io.capstan.managed': 'true', 'io.capstan.run-id': 'run-2', 'io.capstan.unique-name': 'u', 'io.capstan.attempt': '1' });
  });

  it('takes no other comment for Capstan labels', () => {
    expect(decodeCommentLabels('')).toBeUndefined();
    expect(decodeCommentLabels('(null)')).toBeUndefined();
    expect(decodeCommentLabels('someone else')).toBeUndefined();
    expect(decodeCommentLabels('capstan:novalue')).toBeUndefined();
    expect(decodeCommentLabels('capstan:a=%E0%A4')).toBeUndefined();
  });
});
