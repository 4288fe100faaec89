import { CapstanError } from '@capstan/core-constraints';
import { captureContainerOutput, DockerStreamDemuxer, type OutputFiles, type OutputListener } from '@capstan/docker-api/internal';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { type SwarmApi } from './swarm-api';

/** A live view of a service's output; `stop` ends it (the logs API's follow never ends by itself). */
export interface LiveLogs {
  stop(): void;
}

/**
 * Follows a service's output for `log` events while its task runs. Best effort: the swarm's log stream may lag or
 * drop under load, so the files are written from a complete read once the task has ended ({@link writeServiceLogs}).
 */
export function followServiceLogs(api: SwarmApi, serviceId: string, onText: OutputListener): LiveLogs {
  let source: NodeJS.ReadableStream | undefined;
  let stopped = false;
  const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  void api
    .serviceLogs(serviceId, true)
    .then((stream) => {
      source = stream;
      if (stopped) return destroy(stream);
      return pipeline(
        stream,
        new DockerStreamDemuxer((name, payload) => {
          const text = decoders[name].write(payload);
          if (text !== '') onText(name, text);
        }),
      );
    })
    .catch(() => undefined);
  return {
    stop: () => {
      stopped = true;
      if (source !== undefined) destroy(source);
    },
  };
}

/**
 * Appends everything the service printed to the attempt's stdout and stderr files (read once its task has ended,
 * when the node's log driver has it all), streaming, never holding it whole.
 */
export async function writeServiceLogs(api: SwarmApi, serviceId: string, files: OutputFiles, onText: OutputListener = () => undefined): Promise<void> {
  let source: NodeJS.ReadableStream;
  try {
    source = await api.serviceLogs(serviceId, false);
  } catch (error) {
    // Removed already (killed at once): there is nothing left to read.
    if (error instanceof CapstanError && error.details['statusCode'] === 404) return;
    throw error;
  }
  try {
    await captureContainerOutput(source, files, onText);
  } catch (error) {
    throw api.client.translate(`reading the logs of service ${serviceId}`, error);
  }
}

function destroy(source: NodeJS.ReadableStream): void {
  (source as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
}
