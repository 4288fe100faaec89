import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type BrowserCommand, type BrowserFacts } from './dashboard-browser';

export type { BrowserFacts };

/** A headless chromium in a child process (dashboard-browser.ts); each method sends one command and waits for its answer. */
export class DashboardSession {
  private next = 0;
  private readonly pending = new Map<number, { done: (value: unknown) => void; fail: (error: Error) => void }>();
  private stderr = '';

  private constructor(private readonly child: ChildProcess & { stdout: NodeJS.ReadableStream }) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const answer = JSON.parse(line) as { id: number; ok: boolean; value?: unknown; error?: string };
      const waiter = this.pending.get(answer.id);
      this.pending.delete(answer.id);
      if (answer.ok) waiter?.done(answer.value);
      else waiter?.fail(new Error(answer.error));
    });
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr += chunk.toString()));
    child.once('exit', (code) => {
      for (const waiter of this.pending.values()) waiter.fail(new Error(`the browser driver exited with ${code}: ${this.stderr}`));
      this.pending.clear();
    });
  }

  static start(): DashboardSession {
    const child = spawn(process.execPath, [join(__dirname, 'dashboard-browser.ts')], { stdio: ['pipe', 'pipe', 'pipe'] });
    return new DashboardSession(child);
  }

  send<T>(command: BrowserCommand): Promise<T> {
    const id = this.next++;
    return new Promise<T>((done, fail) => {
      this.pending.set(id, { done: done as (value: unknown) => void, fail });
      this.child.stdin?.write(`${JSON.stringify({ id, command })}\n`);
    });
  }

  goto(url: string): Promise<void> {
    return this.send({ op: 'goto', url });
  }

  /** Milliseconds until `until` (an expression evaluated in the page) is truthy. */
  wait(until: string, timeoutMs = 30_000): Promise<number> {
    return this.send({ op: 'wait', until, timeoutMs });
  }

  eval<T>(script: string): Promise<T> {
    return this.send({ op: 'eval', script });
  }

  text(selector: string): Promise<string> {
    return this.eval(`document.querySelector(${JSON.stringify(selector)})?.textContent ?? ''`);
  }

  facts(): Promise<BrowserFacts> {
    return this.send({ op: 'facts' });
  }

  async close(): Promise<void> {
    const exited = new Promise((done) => this.child.once('exit', done));
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
