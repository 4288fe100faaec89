import * as transfer from './index';

describe('@capstan/transfer public API', () => {
  it('exports the entry points and nothing internal', () => {
    expect(Object.keys(transfer).sort()).toEqual(
      [
        'FileAndHttpTransfer',
        'FileTransfer',
        'inputRequestSchema',
        'outputRequestSchema',
        'parseTransferOptions',
        'redactUrl',
        'registerTransfer',
        'transferOptionsSchema',
      ].sort(),
    );
  });
});
