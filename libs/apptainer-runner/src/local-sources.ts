import { join } from 'node:path';
import { runConversionStep } from './conversion-step';
import { type RemoteImage } from './image-reference';

/** The engines whose local image stores Apptainer can convert from, before any registry is asked. */
export type LocalSource = 'docker' | 'podman';
export const LOCAL_SOURCES = ['docker', 'podman'] as const satisfies readonly LocalSource[];

export interface LocalSourceSettings {
  /** In the order they are tried; empty: registries only. */
  readonly sources: readonly LocalSource[];
  /** `DOCKER_HOST` for Apptainer's `docker-daemon:` source; unset: Apptainer's default, /var/run/docker.sock. */
  readonly dockerHost?: string;
  /** The `podman` CLI that saves an image out of Podman's store. */
  readonly podmanBinary: string;
  /** `podman --url`: a Podman service to save from instead of the invoking user's own store. */
  readonly podmanUrl?: string;
}

/** What one local conversion needs from the SIF cache. */
export interface LocalConversion {
  readonly binary: string;
  readonly env: Readonly<Record<string, string>>;
  readonly work: string;
  /** The file to make (inside `work`). */
  readonly output: string;
  readonly timeoutMs: number;
}

/** How a local source answered: made the SIF, does not have the image, or could not be asked (the reason). */
export type LocalOutcome = { readonly made: true; readonly from: string } | { readonly made: false; readonly absent: boolean; readonly reason: string };

const HOST = '(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\\[[0-9A-Fa-f:]+\\])(?::[0-9]{1,5})?';
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const TAG = '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}';
/** Docker's reference grammar (distribution/reference), registry and tag required: what both engines' stores are keyed by. */
const STORE_NAME = new RegExp(`^${HOST}/${COMPONENT}(?:/${COMPONENT})*:${TAG}$`);
const MAX_NAME = 255;
/** What the engines answer for an image they do not have (Docker: "reference does not exist"; Podman: "image not known"), or no podman at all. */
const ABSENT = /reference does not exist|no such image|image not known|not found|does not exist|ENOENT/i;

/**
 * The name a local store knows the image by: its fully qualified Docker form (`docker.io/capstan-test/busybox:1`, as
 * Docker itself would store `capstan-test/busybox:1`), so that Podman is never left to resolve a short name by its own
 * rules. Null when the image cannot come from a local store: not a docker:// image, pinned by digest (a store keeps
 * tags, and a digest is the registry's word), or not a valid reference (which then never reaches a command line).
 */
export function localStoreName(image: RemoteImage): string | null {
  if (image.kind !== 'docker') return null;
  const name = image.normalised.slice('docker://'.length);
  return name.length <= MAX_NAME && STORE_NAME.test(name) ? name : null;
}

/** What `pulled` and `plan` say a source is. */
export function describeLocalSource(source: LocalSource, name: string): string {
  return source === 'docker' ? `the local Docker store (docker-daemon:${name})` : `the local Podman store (podman save ${name})`;
}

/**
 * Converts the image from one engine's local store into `conversion.output`. Docker: Apptainer's own `docker-daemon:`
 * source (it asks the daemon at `DOCKER_HOST` for the image). Podman, for which Apptainer has no such source: `podman
 * save` into a docker-archive inside the conversion's private folder, then Apptainer's `docker-archive:` source.
 * Every argument is its own argv element; `name` passed `localStoreName`, so it cannot start with `-` or hold spaces.
 */
export async function convertFromLocalStore(source: LocalSource, name: string, settings: LocalSourceSettings, conversion: LocalConversion, signal: AbortSignal): Promise<LocalOutcome> {
  const step = { work: conversion.work, timeoutMs: conversion.timeoutMs, what: name };
  const build = (from: string): readonly string[] => ['build', '--disable-cache', conversion.output, from];
  let failure: string | null;
  if (source === 'docker') {
    const env = settings.dockerHost === undefined ? conversion.env : { ...conversion.env, DOCKER_HOST: settings.dockerHost };
    failure = await runConversionStep({ ...step, program: conversion.binary, args: build(`docker-daemon:${name}`), env, log: 'docker-daemon' }, signal);
  } else {
    const archive = 'podman.tar';
    const url = settings.podmanUrl === undefined ? [] : ['--url', settings.podmanUrl];
    failure = await runConversionStep(
      { ...step, program: settings.podmanBinary, args: [...url, 'save', '--format', 'docker-archive', '--output', join(conversion.work, archive), '--', name], env: conversion.env, log: 'podman-save' },
      signal,
    );
    // Relative to the private folder (the working directory): a `:` in the cache's path would split docker-archive's `path:reference`.
    if (failure === null) failure = await runConversionStep({ ...step, program: conversion.binary, args: build(`docker-archive:${archive}`), env: conversion.env, log: 'docker-archive' }, signal);
  }
  if (failure === null) return { made: true, from: describeLocalSource(source, name) };
  return { made: false, absent: ABSENT.test(failure) && !/cannot connect|permission denied|connection refused/i.test(failure), reason: failure };
}
