import { CapstanError, ErrorCode, type ExecutionRequest, type FileOwner } from '@capstan/core-constraints';
import { type ContainerCreateSpec, type DockerClient } from './docker-client';
import { DockerStreamDemuxer } from './stream-demuxer';
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative } from 'node:path';
import { pipeline } from 'node:stream/promises';

/** Where the repair container sees the folder it repairs. */
export const GUEST_REPAIR_DIR = '/mnt/repair';
const REPAIR_MEMORY_BYTES = 64 * 1024 * 1024;
const MAX_ERROR_TEXT = 4096;

/** Throws unless `folder` is the attempt folder or inside it (after resolving symlinks); returns its real path. */
export async function folderInsideAttempt(folder: string, request: ExecutionRequest): Promise<string> {
  const [real, root] = await Promise.all([realpathOrThrow(folder, 'folder'), realpathOrThrow(request.paths.root, 'attempt folder')]);
  const inside = relative(root, real);
  if (inside.startsWith('..') || isAbsolute(inside)) {
    throw new CapstanError(
      ErrorCode.InvalidValue,
      `refusing to change the owner of ${folder}: it is not inside the attempt folder ${request.paths.root}; only an attempt's own files are repaired`,
      { details: { value: folder, limit: request.paths.root } },
    );
  }
  return real;
}

async function realpathOrThrow(path: string, what: string): Promise<string> {
  try {
    return await realpath(path);
  } catch (error) {
    throw new CapstanError(ErrorCode.InvalidValue, `the ${what} ${path} cannot be resolved (${(error as Error).message})`, { cause: error });
  }
}

/**
 * The short root container that runs `chown -R -h -P UID:GID` on one folder: links are changed as links and never
 * traversed (-P, stated although it is the default), so the task's links cannot point the chown at host files. No
 * network, few capabilities, no pull.
 */
export function repairContainerSpec(image: string, folder: string, owner: FileOwner, request: ExecutionRequest): ContainerCreateSpec {
  return {
    name: `${request.attemptName}-chown-${Date.now().toString(36)}`,
    Image: image,
    Entrypoint: [],
    Cmd: ['chown', '-R', '-h', '-P', `${owner.uid}:${owner.gid}`, GUEST_REPAIR_DIR],
    User: '0:0',
    Labels: { ...request.labels },
    AttachStdout: true,
    AttachStderr: true,
    Tty: false,
    HostConfig: {
      Binds: [`${folder}:${GUEST_REPAIR_DIR}:rw`],
      NetworkMode: 'none',
      Memory: REPAIR_MEMORY_BYTES,
      MemorySwap: REPAIR_MEMORY_BYTES,
      PidsLimit: 64,
      CapDrop: ['ALL'],
      // No DAC_READ_SEARCH: with it, open_by_handle_at reaches any host file past the bind (the image may be the
      // task's own, so hostile); DAC_OVERRIDE already lets chown walk folders it cannot read.
      CapAdd: ['CHOWN', 'DAC_OVERRIDE', 'FOWNER'],
      SecurityOpt: ['no-new-privileges'],
      LogConfig: { Type: 'none', Config: {} },
    },
  };
}

/**
 * Gives every file under `folder` to `owner` with a short root container of an image that is already local (the
 * repair image, else the task's own), so no registry is needed. Rejects with the command's own error output when
 * the image is missing or chown fails; the container is removed in every case.
 */
export async function repairOwnership(
  client: DockerClient,
  images: readonly string[],
  folder: string,
  owner: FileOwner,
  request: ExecutionRequest,
  signal?: AbortSignal,
): Promise<void> {
  const real = await folderInsideAttempt(folder, request);
  const image = await firstLocalImage(client, images);
  if (aborted(signal)) throw canceled();
  const spec = repairContainerSpec(image, real, owner, request);
  const id = await client.createContainer(spec);
  const onAbort = (): void => void client.removeContainer(id).catch(() => undefined);
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const stream = await client.attachOutput(id);
    let errorText = '';
    const collected = pipeline(
      stream,
      new DockerStreamDemuxer((_name, payload) => {
        if (errorText.length < MAX_ERROR_TEXT) errorText += payload.toString('utf8');
      }),
    ).catch(() => undefined);
    let state;
    try {
      await client.startContainer(id);
      await client.waitContainer(id);
      await collected;
      state = await client.inspectContainer(id);
    } catch (error) {
      throw aborted(signal) ? canceled() : error;
    }
    if (aborted(signal)) throw canceled();
    if (state.exitCode !== 0) {
      throw new CapstanError(
        ErrorCode.BackendFailure,
        `could not give ${folder} to ${owner.uid}:${owner.gid}: chown in ${image} exited with ${state.exitCode}` +
          `${errorText.trim() === '' ? '' : ` (${errorText.trim().slice(0, MAX_ERROR_TEXT)})`}; set the ${client.daemon.cli ?? 'docker'} backend's repairImage to an image with a working chown`,
        { details: { folder, image, exitCode: state.exitCode } },
      );
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await client.removeContainer(id).catch(() => undefined);
  }
}

async function firstLocalImage(client: DockerClient, images: readonly string[]): Promise<string> {
  for (const image of images) {
    if ((await client.inspectImage(image)) !== null) return image;
  }
  throw new CapstanError(
    ErrorCode.ImageUnavailable,
    `no image for the ownership repair is present locally (tried ${images.length === 0 ? 'none' : images.join(', ')}); ` +
      `set the ${client.daemon.cli ?? 'docker'} backend's repairImage to a local image that has chown (the repair never pulls)`,
    { details: { candidates: images } },
  );
}

function aborted(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true;
}

function canceled(): CapstanError {
  return new CapstanError(ErrorCode.Canceled, 'the ownership repair was canceled');
}
