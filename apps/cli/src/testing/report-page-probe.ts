// Run by node itself (type stripping), not by jest: puppeteer-core is ES modules only, which jest's CommonJS runtime
// cannot load. `node report-page-probe.ts <report.html> <screenshot.png>` prints what the page showed as JSON.
import puppeteer from 'puppeteer-core';

/** Debian's chromium (tools/engines/chromium.sh installs it). */
const CHROMIUM = '/usr/bin/chromium';

export interface ReportProbe {
  /** Every request the page made that was not for a file:// URL (each was aborted). */
  readonly external: string[];
  /** Every alert, confirm or prompt the page opened (each dismissed). */
  readonly dialogs: string[];
  readonly errors: string[];
  /** Milliseconds from navigation to the page's script having drawn everything. */
  readonly readyMs: number;
  /** The attempts table: each row's data-task and its cells' text. */
  readonly rows: { task: string | null; cells: string[] }[];
  readonly lanes: (string | null)[];
  /** Each failure section's data-task and its stderr tail as text. */
  readonly failures: [string | null, string][];
  readonly summary: Record<string, string>;
  readonly canvases: number;
  readonly images: number;
  readonly scriptTypes: string[];
  readonly bodyText: string;
}

// Text run in the page: this project compiles without the DOM's types.
const DOM_FACTS = `({
  rows: [...document.querySelectorAll('#attempts tbody tr')].map((tr) => ({ task: tr.getAttribute('data-task'), cells: [...tr.querySelectorAll('td')].map((td) => td.textContent) })),
  lanes: [...document.querySelectorAll('#timeline .lane')].map((lane) => lane.getAttribute('data-task')),
  failures: [...document.querySelectorAll('.failure')].map((failure) => [failure.getAttribute('data-task'), failure.querySelector('pre')?.textContent ?? '']),
  summary: Object.fromEntries([...document.querySelectorAll('#summary dd')].map((dd) => [dd.getAttribute('data-key'), dd.textContent])),
  canvases: document.querySelectorAll('canvas').length,
  images: document.querySelectorAll('img').length,
  scriptTypes: [...document.querySelectorAll('script')].map((script) => script.type),
  bodyText: document.body.innerText,
})`;

async function probe(file: string, screenshot: string): Promise<ReportProbe> {
  // The tests run as root, where chromium's sandbox cannot start.
  const browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 900 });
    const external: string[] = [];
    const dialogs: string[] = [];
    const errors: string[] = [];
    await page.setRequestInterception(true);
    page.on('request', (request) => {
      if (request.url().startsWith('file://')) void request.continue();
      else {
        external.push(request.url());
        void request.abort();
      }
    });
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    page.on('pageerror', (error) => errors.push(error instanceof Error ? error.message : String(error)));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    const started = Date.now();
    await page.goto(`file://${file}`, { waitUntil: 'load' });
    await page.waitForSelector('body[data-ready="true"]', { timeout: 30_000 });
    const readyMs = Date.now() - started;
    const dom = (await page.evaluate(DOM_FACTS)) as Omit<ReportProbe, 'external' | 'dialogs' | 'errors' | 'readyMs'>;
    await page.screenshot({ path: screenshot, fullPage: true });
    return { external, dialogs, errors, readyMs, ...dom };
  } finally {
    await browser.close();
  }
}

const [file, screenshot] = process.argv.slice(2);
if (file !== undefined && screenshot !== undefined) process.stdout.write(`${JSON.stringify(await probe(file, screenshot))}\n`);
