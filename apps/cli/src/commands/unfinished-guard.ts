import { ExitCode } from '@capstan/support';

/**
 * The last line of defence against a false success: should the event loop empty while tasks are unfinished (a promise
 * nothing will settle, as a lost daemon once caused), Node would exit 0. The guard names them and exits 70 instead.
 */
export class UnfinishedGuard {
  private readonly unfinished: Set<string>;
  private readonly onBeforeExit = (): void => {
    this.stderr(`capstan: internal error: stopped waiting with ${this.unfinished.size} task(s) unfinished (${[...this.unfinished].join(', ')}); their state is unknown\n`);
    process.exitCode = ExitCode.Internal;
  };

  constructor(
    names: readonly string[],
    private readonly stderr: (text: string) => void,
    private readonly events: NodeJS.EventEmitter = process,
  ) {
    this.unfinished = new Set(names.map((name, index) => `${name}#${index + 1}`));
    if (this.unfinished.size > 0) this.events.once('beforeExit', this.onBeforeExit);
  }

  /** The task at `index` (in the order given) has ended; once all have, the guard stands down by itself. */
  ended(name: string, index: number): void {
    this.unfinished.delete(`${name}#${index + 1}`);
    if (this.unfinished.size === 0) this.dispose();
  }

  dispose(): void {
    this.events.off('beforeExit', this.onBeforeExit);
  }
}
