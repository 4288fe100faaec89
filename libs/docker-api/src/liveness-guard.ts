import { CapstanError, ErrorCode } from '@capstan/core-constraints';
import { type LivenessOptions, watchDaemon } from './daemon-liveness';
import { type DockerClient } from './docker-client';

/**
 * Races each call against the liveness watch: once the daemon missed enough pings the call is given up with a
 * `backend.unavailable` error (a lost attempt). The watch stops with `stop`.
 */
export function guardBySilence(client: DockerClient, liveness: LivenessOptions | undefined, stop: AbortSignal, onSilent: () => void): <T>(call: Promise<T>) => Promise<T> {
  if (liveness === undefined || liveness.failures <= 0) return (call) => call;
  const silence = watchDaemon((ping) => client.pingOnce(ping), liveness, stop).then((message) => {
    if (message === null) return new Promise<never>(() => undefined); // stopped: never wins a race
    onSilent();
    throw new CapstanError(ErrorCode.BackendUnavailable, `${message}; check the daemon at ${client.endpoint.description}`, { details: { code: 'ETIMEDOUT', endpoint: client.endpoint.description } });
  });
  silence.catch(() => undefined); // raced below; unobserved when the call wins first
  return (call) => Promise.race([call, silence]);
}

