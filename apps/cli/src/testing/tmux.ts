import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * A tmux server of the test's own (its socket named for the test process), driven as a person at a terminal would:
 * keys in with send-keys, the screen out with capture-pane. Its environment is the one given to `start`.
 */
export class Tmux {
  private constructor(
    private readonly socket: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  /** A session whose first window runs `command` (a shell line) on a `width` x `height` terminal. */
  static async start(name: string, command: string, env: NodeJS.ProcessEnv, size = { width: 140, height: 30 }): Promise<Tmux> {
    const tmux = new Tmux(`capstan-top-${process.pid}-${name}`, env);
    await tmux.tmux('-f', '/dev/null', 'new-session', '-d', '-s', name, '-x', String(size.width), '-y', String(size.height), command);
    // An OSC 52 a program prints would become a paste buffer: the hostile test checks that none does.
    await tmux.tmux('set-option', '-g', 'set-clipboard', 'on');
    return tmux;
  }

  async tmux(...args: string[]): Promise<string> {
    const { stdout } = await run('tmux', ['-L', this.socket, ...args], { env: this.env });
    return stdout;
  }

  newWindow(name: string, command: string): Promise<string> {
    return this.tmux('new-window', '-d', '-n', name, command);
  }

  async keys(target: string, ...keys: string[]): Promise<void> {
    for (const key of keys) await this.tmux('send-keys', '-t', target, key);
  }

  screen(target: string): Promise<string> {
    return this.tmux('capture-pane', '-p', '-t', target);
  }

  /** A tmux format of the pane (`#{alternate_on}`, `#{cursor_flag}`, `#{pane_title}`). */
  async format(target: string, format: string): Promise<string> {
    return (await this.tmux('display-message', '-p', '-t', target, format)).trim();
  }

  /** Waits for the pane to show `pattern`; the error holds the last screen. */
  async waitFor(target: string, pattern: RegExp, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    let text = '';
    while (Date.now() < deadline) {
      text = await this.screen(target).catch(() => text);
      if (pattern.test(text)) return text;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`the pane ${target} did not show ${pattern} within ${timeoutMs} ms; it shows:\n${text}`);
  }

  /** Ends the server and removes its socket file (kill-server leaves it). */
  async kill(): Promise<void> {
    const socket = (await this.tmux('display-message', '-p', '#{socket_path}').catch(() => '')).trim();
    await this.tmux('kill-server').catch(() => undefined);
    if (socket !== '') await rm(socket, { force: true });
  }
}
