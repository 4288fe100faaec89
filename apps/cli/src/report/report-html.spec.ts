import { reportHtml } from './report-html';
import { TRACE_COLUMNS, type TraceRow } from './trace-format';

const HOSTILE = '</script><script>alert(1)</script><img src=x onerror=alert(2)>"\'&\u2028';

function row(fields: Partial<TraceRow>): TraceRow {
  return { ...(Object.fromEntries(TRACE_COLUMNS.map((column) => [column, ''])) as TraceRow), ...fields };
}

describe('report.html text', () => {
  const html = reportHtml({
    runId: 'abcdefabcdef',
    record: undefined,
    rows: [row({ task: HOSTILE, unique_name: 'evil-1', attempt: '1', image: HOSTILE, exit_code: '1', end_reason: 'exited', submit: '2026-12-07T03:00:00.000Z', start: '2026-12-07T03:00:01.000Z', end: '2026-12-07T03:00:02.000Z' })],
    failures: [{ uniqueName: 'evil-1', attempt: '1', endReason: 'exited', exitCode: '1', stderrTail: HOSTILE }],
  });

  it('allows no request and no script but its own two blocks, by hash (no unsafe-inline)', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html)?.[1] ?? '';
    expect(csp).toMatch(/^default-src 'none'; script-src 'sha256-[A-Za-z0-9+/]+=*'; style-src 'sha256-[A-Za-z0-9+/]+=*'; img-src data:; base-uri 'none'; form-action 'none'$/);
    expect(html).not.toMatch(/unsafe-|https?:\/\/(?!github\.com\/leeoniya)/);
    expect(html.match(/<script\b/g)).toHaveLength(2);
  });

  it('keeps task text out of the markup: escaped in HTML, < escaped in the embedded JSON, which still reads back whole', () => {
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<script>alert');
    const json = /<script type="application\/json" id="capstan-data">(.*?)<\/script>/s.exec(html)?.[1] ?? '';
    expect(json).not.toContain('<');
    expect(json).not.toContain('\u2028');
    expect((JSON.parse(json) as { rows: TraceRow[] }).rows[0]?.task).toBe(HOSTILE);
    expect(html).toContain('&#60;/script&#62;&#60;script&#62;alert(1)&#60;/script&#62;&#60;img src=x onerror=alert(2)&#62;&#34;&#39;&#38;');
  });
});
