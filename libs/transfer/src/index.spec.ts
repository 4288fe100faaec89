import * as transfer from './index';

describe('@capstan/transfer public API', () => {
  it('exports the entry points and nothing internal', () => {
    expect(Object.keys(transfer).sort()).toEqual(
      [
        'FileAndHttpTransfer',
        'FileTransfer',
        'SUPPORTED_SCHEMES',
        'inputRequestSchema',
        'outputRequestSchema',
        'parseTransferOptions',
        'redactUrl',
        'registerTransfer',
        'systemClock',
        'transferOptionsSchema',
      ].sort(),
    );
  });
});
