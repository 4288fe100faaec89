import { transferOptionsSchema } from '@capstan/transfer';
import { apiConfigSchema } from './api-config';

describe('the api section', () => {
  it('gives the transfer defaults when the section has none, as the transfer schema gives them', () => {
    expect(apiConfigSchema.parse({}).transfer).toEqual(transferOptionsSchema.parse({}));
  });

  it('fault: a bad transfer value is still refused, naming the key', () => {
    expect(apiConfigSchema.safeParse({ transfer: { noSuchKey: 1 } }).success).toBe(false);
  });
});
