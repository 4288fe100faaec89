import * as api from './index';

describe('the public surface of core-constraints', () => {
  it.each([
    'CapstanError',
    'isCapstanError',
    'parseSize',
    'formatBytes',
    'parseDisks',
    'parseContainerSource',
    'parseContainerList',
    'isDockerReference',
    'redactUrl',
    'editDistance',
    'suggestKey',
    'taskWarnings',
    'schemaSettings',
    'objectKeysAt',
    'parseRequirements',
    'isSuccessCode',
    'parseHints',
    'parseTask',
    'parseTaskText',
    'loadTaskFile',
    'resolveConstraints',
    'registerBackend',
    'BackendRegistry',
    'ObjectStoreFailure',
    'guardedObjectBody',
    'objectFolderPrefix',
    'singleObjectName',
  ] as const)('exports %s', (name) => {
    expect(typeof api[name]).toBe('function');
  });

  it('exports the tokens and constants', () => {
    expect(api.Backend).toBe(Symbol.for('capstan.Backend'));
    expect(api.ResourceManager).toBe(Symbol.for('capstan.ResourceManager'));
    expect(api.ErrorCode.InvalidSize).toBe('size.invalid');
    expect(api.GIB).toBe(1024 ** 3);
    expect(api.DEFAULT_MEMORY).toBe(2 * 1024 ** 3);
    expect(api.TASK_ROOT_MOUNT).toBe('/');
    expect(api.ANY_CONTAINER).toBe('*');
    expect(api.TASK_VARIABLES).toEqual(['CAPSTAN_TASK_ROOT', 'CAPSTAN_ATTEMPT']);
    expect(api.KNOWN_HINT_KEYS).toEqual(expect.arrayContaining(['max_memory', 'maxMemory', 'shell', 'timeout']));
  });
});
