// Run by node itself (type stripping), not by jest: puppeteer-core is ES modules only, which jest's CommonJS runtime
// cannot load. A headless chromium driven over stdin/stdout, one JSON line per command and per answer, so a spec can
// interleave what it does to the server with what the page shows. `node dashboard-browser.ts`.
import puppeteer, { type Page } from 'puppeteer-core';
import { createInterface } from 'node:readline';

/** Debian's chromium (tools/engines/chromium.sh installs it). */
const CHROMIUM = '/usr/bin/chromium';

export type BrowserCommand =
  | { op: 'goto'; url: string }
  | { op: 'reload' }
  | { op: 'wait'; until: string; timeoutMs?: number }
  | { op: 'eval'; script: string }
  | { op: 'type'; selector: string; text: string }
  | { op: 'click'; selector: string }
  | { op: 'press'; key: string }
  | { op: 'screenshot'; path: string }
  | { op: 'facts' };

/** What the page did besides its DOM: requests to other origins (aborted), script errors, dialogs, CSP reports. */
export interface BrowserFacts {
  readonly external: string[];
  readonly errors: string[];
  readonly dialogs: string[];
  readonly requests: string[];
}

const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
const page: Page = await browser.newPage();
await page.setViewport({ width: 1280, height: 900 });
const facts: BrowserFacts = { external: [], errors: [], dialogs: [], requests: [] };
let origin = '';
await page.setRequestInterception(true);
page.on('request', (request) => {
  const url = request.url();
  if (origin !== '' && !url.startsWith(origin) && !url.startsWith('data:')) {
    facts.external.push(url);
    void request.abort();
    return;
  }
  facts.requests.push(`${request.method()} ${url.slice(origin.length)}`);
  void request.continue();
});
page.on('dialog', (dialog) => {
  facts.dialogs.push(dialog.message());
  void dialog.dismiss();
});
page.on('pageerror', (error) => facts.errors.push(error instanceof Error ? error.message : String(error)));
page.on('console', (message) => {
  // A refused fetch (a 401 the page expects) is logged by chromium as a failed resource: not a script error.
  if (message.type() === 'error' && !/status of 40[13]/.test(message.text())) facts.errors.push(message.text());
});

async function run(command: BrowserCommand): Promise<unknown> {
  switch (command.op) {
    case 'goto':
      origin = new URL(command.url).origin;
      await page.goto(command.url, { waitUntil: 'load' });
      return null;
    case 'reload':
      await page.reload({ waitUntil: 'load' });
      return null;
    case 'wait': {
      const started = performance.now();
      await page.waitForFunction(command.until, { timeout: command.timeoutMs ?? 30_000, polling: 'raf' }).catch((error: unknown) => {
        throw new Error(`${error instanceof Error ? error.message : String(error)}: ${command.until}`, { cause: error });
      });
      return performance.now() - started;
    }
    case 'eval':
      return page.evaluate(command.script);
    case 'type':
      await page.type(command.selector, command.text);
      return null;
    case 'click':
      await page.click(command.selector);
      return null;
    case 'press':
      await page.keyboard.press(command.key as Parameters<Page['keyboard']['press']>[0]);
      return null;
    case 'screenshot':
      await page.screenshot({ path: command.path as `${string}.png`, fullPage: true });
      return command.path;
    case 'facts':
      return facts;
  }
}

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const { id, command } = JSON.parse(line) as { id: number; command: BrowserCommand };
  try {
    process.stdout.write(`${JSON.stringify({ id, ok: true, value: (await run(command)) ?? null })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ id, ok: false, error: error instanceof Error ? error.message : String(error) })}\n`);
  }
}
await browser.close();
