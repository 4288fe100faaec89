import { CapstanError } from '@capstan/core-constraints';
import { container } from 'tsyringe';
import { FileAndHttpTransfer } from './file-and-http-transfer';
import { FileTransfer } from './file-transfer';
import { registerTransfer } from './register-transfer';

describe('registerTransfer', () => {
  it('registers one FileAndHttpTransfer under the FileTransfer token', () => {
    const child = container.createChildContainer();
    const transfer = registerTransfer(child, { allowedRoots: ['/srv/data'], retries: 1 });
    expect(transfer).toBeInstanceOf(FileAndHttpTransfer);
    expect(transfer.settings.allowedRoots).toEqual(['/srv/data']);
    expect(child.resolve(FileTransfer)).toBe(transfer);
  });

  it('refuses bad options under the given path before registering anything', () => {
    const child = container.createChildContainer();
    expect(() => registerTransfer(child, { allowedRoots: ['relative/dir'] }, 'transfer')).toThrow(CapstanError);
    expect(() => registerTransfer(child, { allowedRoots: ['relative/dir'] }, 'transfer')).toThrow(/absolute host folder/);
    expect(child.isRegistered(FileTransfer)).toBe(false);
  });
});
