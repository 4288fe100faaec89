import * as azureStore from './index';

describe('@capstan/azure-store public API', () => {
  it('exports the options and the factory, and nothing internal', () => {
    expect(Object.keys(azureStore).sort()).toEqual(['azureObjectStore', 'azureStoreOptionsSchema'].sort());
  });
});
