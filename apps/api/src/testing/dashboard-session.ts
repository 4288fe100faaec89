import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { buildApps, type RunningApi, startApi, stopApi, workspaceRoot } from './api-harness';
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

  /**
   * Every visible element with its own text whose WCAG contrast against its background is below 4.5:1 (text, colour,
   * background, ratio). Backgrounds are the first opaque one up the tree (the page's are all opaque or none).
   */
  lowContrast(): Promise<{ text: string; color: string; background: string; ratio: number }[]> {
    return this.eval(`(() => {
      const rgb = (value) => (value.match(/[\\d.]+/g) ?? []).map(Number);
      const luminance = ([r, g, b]) => [r, g, b].map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; }).reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
      const backgroundOf = (element) => {
        for (let at = element; at; at = at.parentElement) {
          const color = rgb(getComputedStyle(at).backgroundColor);
          if (color.length === 3 || color[3] > 0) return color.slice(0, 3);
        }
        return [255, 255, 255];
      };
      const found = [];
      for (const element of document.querySelectorAll('body *')) {
        const own = [...element.childNodes].some((node) => node.nodeType === 3 && node.textContent.trim() !== '');
        if (!own || element.getClientRects().length === 0 || element.closest('dialog:not([open])')) continue;
        const style = getComputedStyle(element);
        const [l1, l2] = [luminance(rgb(style.color)), luminance(backgroundOf(element))].sort((a, b) => b - a);
        const ratio = (l1 + 0.05) / (l2 + 0.05);
        if (ratio < 4.5) found.push({ text: element.textContent.slice(0, 40), color: style.color, background: String(backgroundOf(element)), ratio: Math.round(ratio * 100) / 100 });
      }
      return found;
    })()`);
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

/** Where the dashboard specs write their screenshots (never committed). */
export const DASHBOARD_SHOTS = join(workspaceRoot, 'tmp', 'dashboard');

export interface DashboardServer {
  readonly api: RunningApi;
  readonly browser: DashboardSession;
  /** The server's origin, where the dashboard is: http://127.0.0.1:<port> */
  readonly origin: string;
  /** A folder file:// inputs and outputs may use (--allow-root). */
  readonly shared: string;
  stop(): Promise<void>;
}

/**
 * Builds the apps, starts the bundled server on Docker with `config` (capstan.yaml), `token` and a shared folder,
 * after `prepare` had the data folder, and a browser; `stop` ends both and removes the folder.
 */
export async function startDashboardServer(name: string, token: string, config: string, prepare: (dataDir: string) => void = () => undefined): Promise<DashboardServer> {
  const folder = await mkdtemp(join(tmpdir(), `capstan-${name}-`));
  await mkdir(DASHBOARD_SHOTS, { recursive: true });
  await writeFile(join(folder, 'capstan.yaml'), config);
  await buildApps();
  prepare(join(folder, 'data'));
  const shared = join(folder, 'shared');
  await mkdir(shared);
  const api = await startApi(['--backend', 'docker', '--data-dir', join(folder, 'data'), '--token', token, '--config', join(folder, 'capstan.yaml'), '--allow-root', shared], { token });
  const browser = DashboardSession.start();
  return {
    api,
    browser,
    origin: new URL(api.url).origin,
    shared,
    async stop() {
      await browser.close();
      await stopApi(api);
      await rm(folder, { recursive: true, force: true });
    },
  };
}
