import { type BackendEvent, type ExecutionRequest, type ExecutionResult } from '@capstan/core-constraints';
import { isFinal, type TesState, type TesTaskInView } from '@capstan/tes-model';
import { type TesHttpClient } from '../http/tes-http-client';
import { type TaskPoller } from '../polling/task-poller';
import { executorRan, finalResult, type StopReason } from './final-result';
import { fillMissingStreams } from './stream-fallback';

export interface RemoteAttemptContext {
  readonly client: TesHttpClient;
  readonly poller: TaskPoller;
  readonly cancelWaitMs: number;
  /** Whether the server is a Capstan one, whose task logs carry usage (asked once the task has ended). */
  readonly readsUsage: () => Promise<boolean>;
}

/** How the wait for the task ended. */
type Outcome =
  | { readonly kind: 'final'; readonly task: TesTaskInView }
  | { readonly kind: 'lost'; readonly message: string }
  /** Capstan stopped the task and did not (or could not) wait for the server to confirm it. */
  | { readonly kind: 'unconfirmed'; readonly message: string };

/**
 * One submitted TES task, followed to its end through the shared poller: `started` when a poll sees it RUNNING (the
 * timeout counts from then: time queued on the server is not run time), the abort signal and the timeout forward a
 * cancel and wait for a final state (at most `cancelWaitMs`; not at all once `stopNow` aborts), and a final state is
 * read once in the FULL view for its logs.
 */
export class RemoteAttempt {
  private stopReason: StopReason | undefined;
  private observedStart: Date | undefined;
  private lastState: TesState = 'UNKNOWN';
  private started = false;
  private finished = false;
  /** The cancel request has been answered (or has failed for good). */
  private cancelDone = false;
  private readonly timers: ReturnType<typeof setTimeout>[] = [];
  private settle: (outcome: Outcome) => void = () => undefined;
  private fail: (error: Error) => void = () => undefined;

  constructor(
    readonly id: string,
    private readonly request: ExecutionRequest,
    private readonly emitEvent: (event: BackendEvent) => void,
    private readonly context: RemoteAttemptContext,
    private readonly submittedAt: Date,
  ) {}

  async follow(signal: AbortSignal): Promise<ExecutionResult> {
    const outcome = new Promise<Outcome>((resolve, reject) => {
      this.settle = (value) => {
        if (this.finished) return;
        this.finished = true;
        resolve(value);
      };
      this.fail = (error) => {
        if (this.finished) return;
        this.finished = true;
        reject(error);
      };
    });
    const unwatch = this.context.poller.watch(this.id, {
      onTask: (task) => this.onTask(task),
      onLost: (message) => this.settle({ kind: 'lost', message }),
      onFailure: (error) => this.fail(error),
      onWarning: (message) => this.emit({ type: 'warning', message }),
    });
    const onAbort = (): void => this.stop('canceled');
    // Stop now skips the wait for a final state, not the cancel request itself: until it is answered the task may run on.
    const onStopNow = (): void => {
      if (this.stopReason !== undefined && this.cancelDone) this.settle({ kind: 'unconfirmed', message: `${this.stopped()}; stopped at once, without waiting for the server to end the task (last state ${this.lastState})` });
    };
    signal.addEventListener('abort', onAbort, { once: true });
    this.request.stopNow?.addEventListener('abort', onStopNow, { once: true });
    if (signal.aborted) this.stop('canceled');
    let end: Outcome;
    try {
      end = await outcome;
    } finally {
      unwatch();
      this.timers.forEach((timer) => clearTimeout(timer));
      signal.removeEventListener('abort', onAbort);
      this.request.stopNow?.removeEventListener('abort', onStopNow);
    }
    return this.conclude(end);
  }

  private emit(event: BackendEvent): void {
    // A cancel request still in flight when the attempt has ended must not report on it afterwards.
    if (!this.finished) this.emitEvent(event);
  }

  private onTask(task: TesTaskInView): void {
    this.lastState = task.state;
    if (!this.started && (task.state === 'RUNNING' || (isFinal(task.state) && executorRan(task)))) {
      this.started = true;
      this.observedStart = new Date();
      this.emit({ type: 'started', id: this.id });
      const timeoutMs = this.request.timeoutMs;
      if (timeoutMs !== undefined && !isFinal(task.state)) this.timers.push(setTimeout(() => this.stop('timeout'), timeoutMs));
    }
    if (isFinal(task.state)) this.settle({ kind: 'final', task });
  }

  /** Forwards a cancel to the server, then waits for the poller to see a final state (bounded). */
  private stop(reason: StopReason): void {
    if (this.stopReason !== undefined || this.finished) return;
    this.stopReason = reason;
    const immediate = this.stopNowAborted();
    const afterCancel = (): void => {
      this.cancelDone = true;
      if (this.stopNowAborted()) {
        this.settle({ kind: 'unconfirmed', message: `${this.stopped()}; stopped at once, without waiting for the server to end the task (last state ${this.lastState})` });
        return;
      }
      this.timers.push(
        setTimeout(() => {
          this.settle({ kind: 'unconfirmed', message: `${this.stopped()}, but the server had not ended it ${Math.round(this.context.cancelWaitMs / 1000)} s after the cancel request (last state ${this.lastState}); it may still run there` });
        }, this.context.cancelWaitMs),
      );
    };
    this.context.client.cancelTask(this.id, immediate ? { retries: 0 } : {}).then(afterCancel, (error: unknown) => {
      this.emit({ type: 'warning', message: `could not cancel TES task ${this.id}: ${error instanceof Error ? error.message : String(error)}; it may still run on the server` });
      afterCancel();
    });
  }

  private stopNowAborted(): boolean {
    return this.request.stopNow?.aborted === true;
  }

  private stopped(): string {
    return this.stopReason === 'timeout' ? `exceeded the timeout of ${(this.request.timeoutMs ?? 0) / 1000} s; TES task ${this.id} was canceled` : `canceled; a cancel was sent for TES task ${this.id}`;
  }

  private async conclude(end: Outcome): Promise<ExecutionResult> {
    const now = new Date();
    if (end.kind !== 'final') {
      const endReason = this.stopReason ?? 'lost';
      return { exitCode: null, endReason, message: end.message, startedAt: this.observedStart ?? this.submittedAt, endedAt: now };
    }
    const task = await this.fullView(end.task);
    const readsUsage = await this.context.readsUsage();
    const { result, warnings } = finalResult(task, { stopReason: this.stopReason, timeoutMs: this.request.timeoutMs, observedStart: this.observedStart, submittedAt: this.submittedAt, now, readsUsage });
    const fallbacks = executorRan(task) ? await fillMissingStreams(task, this.request.paths) : [];
    [...warnings, ...fallbacks].forEach((message) => this.emitEvent({ type: 'warning', message }));
    return result;
  }

  /** The one FULL read of a finished task (system logs, stream text); the listed BASIC view if it fails. */
  private async fullView(listed: TesTaskInView): Promise<TesTaskInView> {
    try {
      const full = await this.context.client.getTask(this.id, 'FULL');
      // A server that retries a failed task may have queued it again since the poll: the state seen final counts.
      return isFinal(full.state) ? full : { ...full, state: listed.state };
    } catch (error) {
      this.emitEvent({ type: 'warning', message: `could not read the logs of TES task ${this.id} (${error instanceof Error ? error.message : String(error)}); the result is taken from the task list` });
      return listed;
    }
  }
}
