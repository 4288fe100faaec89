import { type ContainerSource } from '@capstan/core-constraints';
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type SifPullPolicy } from './apptainer-backend-options';
import { toRemoteImage } from './image-reference';
import { describeLocalSource, type LocalSource, type LocalSourceSettings, localStoreName } from './local-sources';

const ASK_TIMEOUT_MS = 5_000;

export interface ImagePlanContext {
  readonly policy: SifPullPolicy;
  readonly local: LocalSourceSettings;
  /** The cache file an image would be (or is) converted into. */
  readonly cachePath: (source: ContainerSource) => string;
}

/**
 * Where each candidate would come from, in the task's order, up to the first that would be used: what `capstan plan`
 * shows. Asks the local stores whether they have the image (Docker's API, `podman image exists`) but converts
 * nothing; a registry is not asked, so "its registry" is where a conversion would try last.
 */
export async function planImageSources(candidates: readonly ContainerSource[], context: ImagePlanContext): Promise<string[]> {
  const lines: string[] = [];
  for (const source of candidates) {
    const { line, used } = await planOne(source, context);
    lines.push(`${source.uri}: ${line}`);
    if (used) break;
  }
  return lines;
}

async function planOne(source: ContainerSource, context: ImagePlanContext): Promise<{ line: string; used: boolean }> {
  if (source.kind === 'sif') {
    const path = resolve(source.reference);
    return (await isFile(path)) ? { line: `the SIF file ${path}`, used: true } : { line: `no SIF file at ${path}, passed over`, used: false };
  }
  if (source.kind !== 'docker' && source.kind !== 'library' && source.kind !== 'oras') return { line: `a ${source.kind} source, which Apptainer cannot run`, used: false };
  const cached = context.cachePath(source);
  if (context.policy !== 'always' && (await isFile(cached))) return { line: `in the SIF cache (${cached})`, used: true };
  if (context.policy === 'never') return { line: `not in the SIF cache (${cached}), and the pull policy is never, passed over`, used: false };
  const name = localStoreName(toRemoteImage(source));
  const notes: string[] = [];
  for (const store of name === null ? [] : context.local.sources) {
    const answer = await hasImage(store, name ?? '', context.local);
    if (answer === true) return { line: `would be converted from ${describeLocalSource(store, name ?? '')}`, used: true };
    if (answer !== false) notes.push(`the local ${store} store could not be asked: ${answer}`);
  }
  const registry = `would be converted from ${source.kind === 'library' ? 'the container library' : 'its registry'}`;
  return { line: notes.length === 0 ? registry : `${registry} (${notes.join('; ')})`, used: true };
}

/** True or false when the store answered, else why it could not be asked. */
function hasImage(store: LocalSource, name: string, settings: LocalSourceSettings): Promise<boolean | string> {
  return store === 'docker' ? dockerHasImage(name, settings.dockerHost) : podmanHasImage(name, settings);
}

function dockerHasImage(name: string, dockerHost: string | undefined): Promise<boolean | string> {
  const address = dockerHost ?? 'unix:///var/run/docker.sock';
  const target = address.startsWith('unix://') ? { socketPath: address.slice('unix://'.length) } : { host: new URL(address.replace(/^tcp:/, 'http:')).hostname, port: Number(new URL(address.replace(/^tcp:/, 'http:')).port) };
  return new Promise((settle) => {
    // Taken here, not imported: a run of a SIF never asks, and node:http's ES facade alone costs about 20 ms of CPU.
    const asked = process.getBuiltinModule('node:http').request({ ...target, method: 'GET', path: `/images/${encodeURIComponent(name)}/json`, timeout: ASK_TIMEOUT_MS }, (response) => {
      response.resume();
      settle(response.statusCode === 200 ? true : response.statusCode === 404 ? false : `the Docker daemon at ${address} answered ${response.statusCode}`);
    });
    asked.on('timeout', () => asked.destroy(new Error(`no answer within ${ASK_TIMEOUT_MS / 1000} s`)));
    asked.on('error', (error) => settle(`the Docker daemon at ${address}: ${error.message}`));
    asked.end();
  });
}

function podmanHasImage(name: string, settings: LocalSourceSettings): Promise<boolean | string> {
  const url = settings.podmanUrl === undefined ? [] : ['--url', settings.podmanUrl];
  return new Promise((settle) => {
    execFile(settings.podmanBinary, [...url, 'image', 'exists', '--', name], { timeout: ASK_TIMEOUT_MS }, (error, _stdout, stderr) => {
      if (error === null) settle(true);
      // 1: it has not; ENOENT: no podman here, so no store to have it.
      else if (error.code === 1 || error.code === 'ENOENT') settle(false);
      else settle(`${settings.podmanBinary}: ${String(stderr).trim() || error.message}`);
    });
  });
}

export async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
