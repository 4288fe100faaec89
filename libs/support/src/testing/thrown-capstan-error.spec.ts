import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { thrownCapstanError } from './thrown-capstan-error';

describe('thrownCapstanError', () => {
  it('hands back the CapstanError thrown', () => {
    const error = new CapstanError(ErrorCode.InvalidConfig, 'bad');
    expect(
      thrownCapstanError(() => {
        throw error;
      }),
    ).toBe(error);
  });

  it('fails when nothing or something else is thrown', () => {
    expect(() => thrownCapstanError(() => undefined)).toThrow('expected a CapstanError, but nothing was thrown');
    expect(() =>
      thrownCapstanError(() => {
        throw new RangeError('other');
      }),
    ).toThrow(RangeError);
  });
});
