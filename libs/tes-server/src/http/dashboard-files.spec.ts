import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DASHBOARD_CSP } from './dashboard-files';
import { type RunningTesServer, startTesServer } from './testing/running-tes-server';

// The dashboard's files over a real server (a fake service): what `/` and the assets answer, their headers, and that no
// request reaches a file the build did not write. The page itself runs in a browser in apps/api's dashboard.spec.ts.
const PAGE = '<!doctype html><title>dash</title><script type="module" src="dashboard/assets/dashboard-AAAA.js"></script>';
const SCRIPT = 'console.log("dashboard")';

let folder: string;
let server: RunningTesServer;

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'dashboard-files-'));
  mkdirSync(join(folder, 'site', 'assets'), { recursive: true });
  writeFileSync(join(folder, 'site', 'index.html'), PAGE);
  writeFileSync(join(folder, 'site', 'assets', 'dashboard-AAAA.js'), SCRIPT);
  writeFileSync(join(folder, 'site', 'assets', 'notes.txt'), 'not a dashboard file');
  writeFileSync(join(folder, 'secret.js'), 'the server must never send this');
  symlinkSync(join(folder, 'secret.js'), join(folder, 'site', 'assets', 'link.js'));
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

afterEach(async () => {
  await server.close();
});

const bare = (path: string, headers: Record<string, string> = {}) => fetch(`${server.base}${path}`, { headers });

/** Fetches `path` without a token and checks it answered `body` as `type` under the dashboard's headers. */
async function expectServed(path: string, body: string, type: string, cacheControl: string): Promise<Response> {
  const answer = await bare(path);
  expect([answer.status, await answer.text(), answer.headers.get('content-type'), answer.headers.get('cache-control')]).toEqual([200, body, type, cacheControl]);
  expect([answer.headers.get('content-security-policy'), answer.headers.get('x-content-type-options'), answer.headers.get('set-cookie')]).toEqual([DASHBOARD_CSP, 'nosniff', null]);
  return answer;
}

describe('the dashboard files', () => {
  it('serves the page at / without a token, with a strict CSP, revalidated on every load (an ETag answers 304)', async () => {
    server = await startTesServer({ dashboardDir: join(folder, 'site') });
    const page = await expectServed('/', PAGE, 'text/html; charset=utf-8', 'no-cache');
    expect(DASHBOARD_CSP).toContain("script-src 'self'");
    expect(DASHBOARD_CSP).not.toMatch(/unsafe|\*|https?:/);
    const again = await bare('/', { 'if-none-match': page.headers.get('etag') ?? '' });
    expect(again.status).toBe(304);
    // The API beside it still wants its token.
    expect((await bare('/ga4gh/tes/v1/tasks')).status).toBe(401);
  });

  it('serves the assets by name with a year of caching, and 404 for anything else (hostile: traversal, a symlink, other types)', async () => {
    server = await startTesServer({ dashboardDir: join(folder, 'site') });
    await expectServed('/dashboard/assets/dashboard-AAAA.js', SCRIPT, 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable');
    for (const path of ['/dashboard/assets/..%2F..%2Fsecret.js', '/dashboard/assets/%2e%2e/secret.js', '/dashboard/assets/notes.txt', '/dashboard/assets/missing.js', '/dashboard/assets/link.js', '/dashboard/assets/link.js/']) {
      const answer = await bare(path);
      expect([path, answer.status]).toEqual([path, 404]);
      expect(await answer.text()).not.toContain('never send');
    }
  });

  it('says the dashboard is not in this build when its folder is missing or empty (fault), and keeps the API docs', async () => {
    server = await startTesServer({ dashboardDir: join(folder, 'nowhere') });
    const page = await bare('/');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('The dashboard is not in this build');
    expect((await bare('/dashboard/assets/dashboard-AAAA.js')).status).toBe(404);
    expect((await bare('/ga4gh/tes/v1/docs/')).status).toBe(200);
    await server.close();
    server = await startTesServer();
    expect(await (await bare('/')).text()).toContain('not in this build');
  });

  it('refuses a dashboardDir that is not a path (fault)', async () => {
    await expect(startTesServer({ dashboardDir: '' })).rejects.toThrow(/dashboardDir/);
    server = await startTesServer();
  });
});
