import { DEFAULT_FILE_TYPE, TES_FILE_TYPES, tesFileTypeSchema } from './tes-file-type';

describe('tesFileType', () => {
  it('is FILE or DIRECTORY, FILE by default', () => {
    expect(TES_FILE_TYPES).toEqual(['FILE', 'DIRECTORY']);
    expect(DEFAULT_FILE_TYPE).toBe('FILE');
    expect(tesFileTypeSchema.parse('DIRECTORY')).toBe('DIRECTORY');
  });

  it.each(['file', 'DIR', '', null])('refuses %j', (value) => {
    expect(tesFileTypeSchema.safeParse(value).success).toBe(false);
  });
});
