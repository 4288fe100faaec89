import { randomBytes } from 'node:crypto';
import { estimatedBits, tokenProblem } from './token-strength';

describe('tokenProblem', () => {
  it.each([
    ['too short', 'abc123', /^is 6 characters long, below the minimum of 16; generate one with `openssl rand -hex 32`$/],
    ['one character repeated', 'a'.repeat(40), /^has too little entropy \(1 distinct characters and about 0 bits/],
    ['two alternating', 'ab'.repeat(20), /^has too little entropy \(2 distinct/],
    ['digits repeated', '1111222211112222', /^has too little entropy/],
    ['a space', 'abcdefgh ijklmnopq', /^holds characters a bearer token cannot carry/],
  ])('refuses a token %s, saying why and how to make one, never quoting it', (_label, token, message) => {
    const problem = tokenProblem(token);
    expect(problem).toMatch(message);
    expect(problem).toContain('openssl rand -hex 32');
    expect(problem).not.toContain(token);
  });

  it('accepts what openssl rand -hex 32 and -base64 32 make', () => {
    for (let index = 0; index < 200; index += 1) {
      expect(tokenProblem(randomBytes(32).toString('hex'))).toBeUndefined();
      expect(tokenProblem(randomBytes(32).toString('base64'))).toBeUndefined();
    }
  });

  it('estimates the entropy of a token from its characters', () => {
    expect(estimatedBits('aaaa')).toBe(0);
    expect(estimatedBits('0123456789abcdef')).toBe(64);
    expect(estimatedBits('abab')).toBe(4);
  });
});
