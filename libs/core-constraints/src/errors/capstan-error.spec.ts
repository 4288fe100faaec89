import { CapstanError, ErrorCode, isCapstanError } from './capstan-error';

describe('CapstanError', () => {
  it('is an Error carrying code, path, details and cause', () => {
    const cause = new Error('root cause');
    const error = new CapstanError(ErrorCode.InvalidSize, 'bad size', { path: 'memory', cause, details: { value: 'x' } });
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(CapstanError);
    expect(error.name).toBe('CapstanError');
    expect(error.code).toBe('size.invalid');
    expect(error.message).toBe('bad size');
    expect(error.path).toBe('memory');
    expect(error.details).toEqual({ value: 'x' });
    expect(error.cause).toBe(cause);
    expect(String(error)).toBe('CapstanError: bad size');
  });

  it('defaults to no path, no details and no cause', () => {
    const error = new CapstanError(ErrorCode.Canceled, 'canceled');
    expect(error.path).toBeNull();
    expect(error.details).toEqual({});
    expect(error.cause).toBeUndefined();
    expect('cause' in error).toBe(false);
  });

  it('has stable, unique codes', () => {
    const codes = Object.values(ErrorCode);
    expect(new Set(codes).size).toBe(codes.length);
    expect(ErrorCode).toMatchObject({
      FileUnreadable: 'file.unreadable',
      FileSyntax: 'file.syntax',
      InvalidValue: 'value.invalid',
      UnknownKey: 'value.unknown_key',
      InvalidSize: 'size.invalid',
      InvalidDisk: 'disk.invalid',
      InvalidContainer: 'container.invalid',
      NoUsableContainer: 'container.none_usable',
      ExceedsCapacity: 'resource.exceeds_capacity',
      LimitBelowRequest: 'resource.limit_below_request',
      AcceleratorUnavailable: 'resource.accelerator_unavailable',
      UnknownBackend: 'backend.unknown',
      DuplicateBackend: 'backend.duplicate',
    });
  });

  describe('under()', () => {
    it.each<[string | null | undefined, string, string]>([
      ['memory', 'requirements', 'requirements.memory'],
      ['disks.1', 'requirements', 'requirements.disks.1'],
      [null, 'requirements', 'requirements'],
      [undefined, 'hints', 'hints'],
      ['', 'hints', 'hints'],
      ['0', 'inputs', 'inputs.0'],
    ])('path %j under %j is %j', (path, prefix, expected) => {
      const error = new CapstanError(ErrorCode.InvalidValue, 'msg', path === undefined ? {} : { path });
      expect(error.under(prefix).path).toBe(expected);
    });

    it('returns a new error with the same code, message, details and cause', () => {
      const cause = new Error('cause');
      const original = new CapstanError(ErrorCode.InvalidDisk, 'bad disk', { path: '0', cause, details: { value: 3 } });
      const moved = original.under('requirements').under('task');
      expect(moved).not.toBe(original);
      expect(moved).toBeInstanceOf(CapstanError);
      expect(moved.path).toBe('task.requirements.0');
      expect(moved.code).toBe('disk.invalid');
      expect(moved.message).toBe('bad disk');
      expect(moved.details).toEqual({ value: 3 });
      expect(moved.cause).toBe(cause);
      expect(original.path).toBe('0');
    });
  });

  describe('toJSON()', () => {
    it('serialises code, message and path only', () => {
      const error = new CapstanError(ErrorCode.UnknownKey, 'unknown key "memroy"', {
        path: 'requirements.memroy',
        details: { suggestion: 'memory' },
        cause: new Error('x'),
      });
      expect(error.toJSON()).toEqual({ code: 'value.unknown_key', message: 'unknown key "memroy"', path: 'requirements.memroy' });
      expect(JSON.parse(JSON.stringify(error))).toEqual(error.toJSON());
    });

    it('serialises a missing path as null', () => {
      expect(new CapstanError(ErrorCode.Canceled, 'stop').toJSON()).toEqual({ code: 'run.canceled', message: 'stop', path: null });
    });
  });

  describe('isCapstanError', () => {
    it.each<[string, unknown, boolean]>([
      ['a CapstanError', new CapstanError(ErrorCode.InvalidValue, 'x'), true],
      ['a plain Error', new Error('x'), false],
      ['a look-alike object', { name: 'CapstanError', code: 'value.invalid', message: 'x', path: null }, false],
      ['null', null, false],
      ['a string', 'CapstanError', false],
    ])('%s -> %s', (_label, value, expected) => {
      expect(isCapstanError(value)).toBe(expected);
    });
  });
});
