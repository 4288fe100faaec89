import { writeFile } from 'node:fs/promises';

/**
 * The moments the restart fault harness (apps/api/src/restart-output.spec.ts) kills the server at:
 * - `executor-recorded`: an executor's end is stored, its container not yet removed;
 * - `executor-removed`: its container removed, the engine's result not yet recorded by the service.
 * (A kill during an output upload needs no pause here: the harness's own destination holds the upload.)
 */
export type FaultPoint = 'executor-recorded' | 'executor-removed';

/** The environment variable naming the pause: `<point>:<file>`. Not `CAPSTAN_...`: those are configuration keys. */
export const FAULT_PAUSE_ENV = 'TES_FAULT_PAUSE';
const PAUSE_MS = 60_000;

/**
 * For the fault harness only: with `TES_FAULT_PAUSE=<point>:<file>` set, the first time the server reaches `point` it
 * writes `file` and waits there (a minute at most), for the harness to kill it at exactly that moment. Unset, as in
 * production, it returns at once and does nothing.
 */
export async function faultPause(point: FaultPoint, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const setting = env[FAULT_PAUSE_ENV];
  if (setting === undefined || !setting.startsWith(`${point}:`)) return;
  delete env[FAULT_PAUSE_ENV];
  await writeFile(setting.slice(point.length + 1), point);
  await new Promise((resume) => setTimeout(resume, PAUSE_MS));
}
