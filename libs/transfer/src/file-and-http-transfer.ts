import { CapstanError, ErrorCode, ObjectStoreFailure, parseWithSchema, redactUrl, type ObjectStore } from '@capstan/core-constraints';
import { lstat, realpath } from 'node:fs/promises';
import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { AddressPolicy } from './address/address-policy';
import { childUrl, parseAddress, type FileAddress, type HttpAddress } from './address/transfer-address';
import {
  describeSystemError,
  inputTooLarge,
  transferCanceled,
  transferFailed,
  transferRefused,
  type TransferSubject,
} from './errors/transfer-errors';
import { inputRequestSchema, outputRequestSchema, type FileTransfer, type InputRequest, type OutputRequest, type TransferredFile } from './file-transfer';
import { downloadFile } from './http/http-download';
import { checkLiteralHost, systemResolve, type Resolve } from './http/guarded-connect';
import { type HttpContext } from './http/http-exchange';
import { uploadFile } from './http/http-upload';
import { systemClock, type RetryClock } from './http/retry-policy';
import { AllowedRoots } from './local/allowed-roots';
import { errorCode, isInside } from './local/host-paths';
import { readSourceTree, type FileType, type SourceTree } from './local/source-tree';
import { TargetConflict } from './local/staged-target';
import { copyTree } from './local/tree-copy';
import { writeContent } from './local/write-content';
import { fetchObjects, putObjects, storeFailure } from './objects/object-transfer';
import { type TransferSettings } from './options/transfer-options';
import { ProgressReporter, type ProgressListener } from './progress/progress-reporter';

/**
 * The FileTransfer for file:// (under allowed roots), http(s):// and the schemes of the object stores it is given
 * (`s3://`), with inline `content` for inputs.
 */
export class FileAndHttpTransfer implements FileTransfer {
  private readonly roots: AllowedRoots;
  private readonly policy: AddressPolicy;
  private pools: { readonly http: HttpAgent; readonly https: HttpsAgent } | undefined;

  /**
   * `clock` paces retries and `resolve` looks names up; tests pass a clock that records waits and a hosts table.
   * `stores` serve the other schemes, each its own (the first one naming a scheme wins).
   */
  constructor(
    readonly settings: TransferSettings,
    private readonly clock: RetryClock = systemClock,
    private readonly resolve: Resolve = systemResolve,
    readonly stores: readonly ObjectStore[] = [],
  ) {
    this.roots = new AllowedRoots(settings.allowedRoots);
    this.policy = new AddressPolicy(settings.allowAddresses);
  }

  checkAddress(url: string, direction: 'in' | 'out', fieldPath: string): void {
    // Redacted only when a message shows it: every create checks its URLs, and nearly all of them pass.
    const subject = {
      fieldPath,
      get shownUrl(): string {
        return redactUrl(url);
      },
    };
    const address = parseAddress(url, subject, this.stores);
    if (address.kind === 'file') this.roots.checkWritten(address.path, direction === 'in' ? 'read' : 'write', subject);
    else if (address.kind === 'http') checkLiteralHost(this.policy, subject, address.url, null);
    else {
      try {
        address.store.checkAddress(address.url);
      } catch (error) {
        throw error instanceof ObjectStoreFailure ? storeFailure(subject, error) : error;
      }
    }
  }

  async fetchInput(request: InputRequest, signal?: AbortSignal, onProgress?: ProgressListener): Promise<TransferredFile[]> {
    const input = parseWithSchema(inputRequestSchema, request, null);
    const content = input.content ?? '';
    if (content !== '') {
      const subject = { fieldPath: input.fieldPath, shownUrl: 'the content field' };
      if (input.type === 'DIRECTORY') {
        throw transferRefused(subject, 'content makes one file, but the type is DIRECTORY', 'set type: FILE, or give a url instead of content');
      }
      return this.guard(subject, input.hostPath, signal, () => writeContent(content, input.hostPath, this.settings.maxInputBytes, subject));
    }
    const url = input.url ?? '';
    const subject = { fieldPath: input.fieldPath, shownUrl: redactUrl(url) };
    if (url === '') throw transferRefused(subject, 'the input has neither a url nor content', 'give one of them');
    return this.guard(subject, input.hostPath, signal, async () => {
      const address = parseAddress(url, subject, this.stores);
      const progress = this.reporter('in', subject, onProgress);
      if (address.kind === 'file') return this.copyIn(address, url, input.type, input.hostPath, subject, progress, signal);
      if (address.kind === 'object') {
        address.store.checkAddress(address.url);
        const maxBytes = this.settings.maxInputBytes;
        return fetchObjects({ address, type: input.type, hostPath: input.hostPath, subject, maxBytes, progress, signal });
      }
      if (input.type === 'DIRECTORY') {
        throw transferRefused(
          subject,
          `${subject.shownUrl} is an http(s) URL with type DIRECTORY, but plain http has no folder listing to copy from`,
          'give each file as its own FILE input, or stage the folder under an allowed root and use file://',
        );
      }
      const bytes = await downloadFile(this.httpContext(address, subject, signal), input.hostPath, progress, this.settings.maxInputBytes);
      progress.finish();
      return [{ url: subject.shownUrl, sizeBytes: bytes, relativePath: '' }];
    });
  }

  async putOutput(request: OutputRequest, signal?: AbortSignal, onProgress?: ProgressListener): Promise<TransferredFile[]> {
    const output = parseWithSchema(outputRequestSchema, request, null);
    const subject = { fieldPath: output.fieldPath, shownUrl: redactUrl(output.url) };
    return this.guard(subject, output.hostPath, signal, async () => {
      const address = parseAddress(output.url, subject, this.stores);
      if (address.kind === 'object') address.store.checkAddress(address.url);
      // A destination Capstan will not write is refused before the task's files are even looked at.
      const target = address.kind === 'file' ? await this.roots.resolveTarget(address.path, subject) : null;
      const tree = await this.outputTree(output.hostPath, output.within, output.type, subject, signal);
      const progress = this.reporter('out', subject, onProgress);
      progress.setTotal(tree.totalBytes);
      if (address.kind === 'http') return this.upload(tree, address, output.url, subject, progress, signal);
      if (address.kind === 'object') return putObjects(address, tree, progress, signal);
      const urlOf = (relative: string): string => redactUrl(childUrl(output.url, relative));
      return copyTree({ tree, type: output.type, target: target ?? address.path, urlOf, progress, signal });
    });
  }

  private async copyIn(
    address: FileAddress,
    url: string,
    type: FileType,
    hostPath: string,
    subject: TransferSubject,
    progress: ProgressReporter,
    signal: AbortSignal | undefined,
  ): Promise<TransferredFile[]> {
    const source = await this.roots.resolveSource(address.path, subject);
    const realRoots = await this.roots.realRoots();
    const confinement = { realRoots, describe: `the folders this server may read (${this.settings.allowedRoots.join(', ')})`, sourceName: subject.shownUrl };
    const tree = await readSourceTree(source, type, confinement, subject, signal);
    const maxBytes = this.settings.maxInputBytes;
    if (tree.totalBytes > maxBytes) throw inputTooLarge(subject, maxBytes, tree.totalBytes);
    progress.setTotal(tree.totalBytes);
    const checkBytes = (done: number): void => {
      if (done > maxBytes) throw inputTooLarge(subject, maxBytes, null);
    };
    const urlOf = (relative: string): string => redactUrl(childUrl(url, relative));
    return copyTree({ tree, type, target: hostPath, urlOf, progress, signal, checkBytes });
  }

  /** What an output reads, with links kept inside `within` (the task's own files). */
  private async outputTree(
    hostPath: string,
    within: string,
    type: FileType,
    subject: TransferSubject,
    signal: AbortSignal | undefined,
  ): Promise<SourceTree> {
    // A link cannot be the confinement itself: with `within` a link (or the output itself, when a caller passes
    // hostPath), its lexical path is used, and an output reached through it is refused below.
    const realWithin = (await lstat(within)).isSymbolicLink() ? within : await realpath(within);
    let real: string;
    try {
      real = await realpath(hostPath);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT' && errorCode(error) !== 'ENOTDIR') throw error;
      throw transferFailed(
        subject,
        `the task left nothing at ${hostPath} to store at ${subject.shownUrl}`,
        'check that the task writes this output at its path',
        { cause: error },
      );
    }
    if (!isInside(real, realWithin)) {
      throw transferRefused(
        subject,
        `${hostPath} leads through a symbolic link to ${real}, outside the task's folder ${within}`,
        'write the output itself instead of a link to it',
      );
    }
    return readSourceTree(real, type, { realRoots: [realWithin], describe: `the task's folder ${within}`, sourceName: hostPath }, subject, signal);
  }

  private async upload(
    tree: SourceTree,
    address: HttpAddress,
    url: string,
    subject: TransferSubject,
    progress: ProgressReporter,
    signal: AbortSignal | undefined,
  ): Promise<TransferredFile[]> {
    const context = this.httpContext(address, subject, signal);
    const written: TransferredFile[] = [];
    let before = 0;
    progress.update(0);
    for (const file of tree.files) {
      const fileSubject = { ...subject, shownUrl: redactUrl(childUrl(url, file.relativePath)) };
      const fileUrl = new URL(childUrl(address.url.href, file.relativePath));
      await uploadFile({ ...context, subject: fileSubject }, fileUrl, file, tree.realRoots, (sent) => progress.update(before + sent));
      before += file.size;
      written.push({ url: fileSubject.shownUrl, sizeBytes: file.size, relativePath: file.relativePath });
    }
    progress.finish();
    return written;
  }

  private httpContext(address: HttpAddress, subject: TransferSubject, signal: AbortSignal | undefined): HttpContext {
    return { address, subject, settings: this.settings, clock: this.clock, signal, policy: this.policy, resolve: this.resolve, agents: this.agents() };
  }

  /**
   * The connection pools, made at the first HTTP transfer: every run builds a transfer, most never speak HTTP, and
   * Node's http modules cost a run about 25 ms of CPU to load (plus 20 for their ES facade, which loads undici).
   */
  private agents(): { readonly http: HttpAgent; readonly https: HttpsAgent } {
    this.pools ??= {
      http: new (process.getBuiltinModule('node:http').Agent)({ keepAlive: true }),
      https: new (process.getBuiltinModule('node:https').Agent)({ keepAlive: true }),
    };
    return this.pools;
  }

  private reporter(direction: 'in' | 'out', subject: TransferSubject, listener: ProgressListener | undefined): ProgressReporter {
    return new ProgressReporter(direction, subject.shownUrl, null, listener, this.settings.progressIntervalMs, () => this.clock.now());
  }

  /** Runs a transfer and gives every way it can end a CapstanError: canceled, refused/failed as thrown, or failed. */
  private async guard<T>(subject: TransferSubject, hostPath: string, signal: AbortSignal | undefined, run: () => Promise<T>): Promise<T> {
    if (signal?.aborted) throw transferCanceled(subject);
    try {
      return await run();
    } catch (error) {
      if (signal?.aborted) throw transferCanceled(subject);
      if (error instanceof CapstanError && error.code === ErrorCode.TaskFileRefused) throw transferRefused(subject, error.message, 'nothing was read from it', { path: error.details['value'] });
      if (error instanceof CapstanError) throw error;
      if (error instanceof ObjectStoreFailure) throw storeFailure(subject, error);
      if (error instanceof TargetConflict) {
        throw transferFailed(subject, `${subject.shownUrl} cannot be written: ${error.message}`, 'remove what is in the way, or choose another destination');
      }
      throw transferFailed(
        subject,
        `moving ${subject.shownUrl} (host path ${hostPath}) failed: ${describeSystemError(error)}`,
        'check that the host folders exist, are writable and have free space',
        { cause: error },
      );
    }
  }
}
