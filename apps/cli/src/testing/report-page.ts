import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { execFileAsync, workspaceRoot } from './cli-harness';
import { type ReportProbe } from './report-page-probe';

export type { ReportProbe };

/**
 * Opens a report.html from file:// in headless chromium (every request intercepted, dialogs counted), waits for its
 * script to have drawn the page, saves a screenshot as <workspace>/tmp/report-page/<name>.png (never committed), and
 * returns what the page showed.
 */
export async function probeReport(file: string, name: string): Promise<ReportProbe & { screenshot: string }> {
  const folder = join(workspaceRoot, 'tmp', 'report-page');
  await mkdir(folder, { recursive: true });
  const screenshot = join(folder, `${name}.png`);
  const { stdout } = await execFileAsync(process.execPath, [join(__dirname, 'report-page-probe.ts'), file, screenshot], { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 });
  return { ...(JSON.parse(stdout) as ReportProbe), screenshot };
}
