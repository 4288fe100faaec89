import { renderTop } from './render';
import { fit, lastLine, printable, tailLines } from './terminal-text';
import { onKey, type TopTask, type TopView } from './top-view';

const NOW = Date.parse('2026-12-07T06:00:00Z');
const task = (key: string, group: TopTask['group'], extra: Partial<TopTask> = {}): TopTask => ({ key, name: key, state: group, group, since: NOW - 65_000, ...extra });
const view = (tasks: TopTask[], extra: Partial<TopView> = {}): TopView => ({ source: 'server http://127.0.0.1:1/ga4gh/tes/v1', tasks, filter: 'all', mode: 'list', width: 120, height: 12, now: NOW, ...extra });

describe('printable', () => {
  it('hostile: removes OSC 52 (clipboard), screen clears, cursor moves, titles and 8-bit controls whole', () => {
    const hostile = 'a\u001b]52;c;cm0gLXJmIH4=\u0007b\u001b[2J\u001b[Hc\u001b]0;owned\u001b\\d\u009b31me\u001bcf\u0000g\rh\u202ei';
    expect(printable(hostile)).toBe('abcdef g hi');
    // eslint-disable-next-line no-control-regex -- no control character may be left
    expect(printable(hostile)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
  });

  it('keeps plain text and UTF-8 as it is', () => {
    expect(printable('größe 12 % — ok')).toBe('größe 12 % — ok');
  });
});

describe('fit, lastLine, tailLines', () => {
  it('cuts with an ellipsis and pads to the width', () => {
    expect(fit('abcdef', 4)).toBe('abc…');
    expect(fit('ab', 4)).toBe('ab  ');
    expect(fit('x', 0)).toBe('');
  });

  it('takes the last line holding something, printable', () => {
    expect(lastLine('one\ntwo \u001b[31mred\u001b[0m\n\n  \n')).toBe('two red');
    expect(lastLine('\n\n')).toBeUndefined();
    expect(lastLine(undefined)).toBeUndefined();
  });

  it('keeps the last lines without the trailing newline', () => {
    expect(tailLines('a\nb\nc\n', 2)).toEqual(['b', 'c']);
    expect(tailLines('', 5)).toEqual([]);
  });
});

describe('renderTop', () => {
  it('draws a row per task, running first, with elapsed time, CPU, memory and last output, and highlights the selection', () => {
    const frame = renderTop(view([task('done-1', 'succeeded', { endedAt: NOW - 5_000 }), task('busy-1', 'running', { cpuPercent: 97.3, memoryBytes: 200 * 1024 * 1024, lastLine: 'step 3 of 9' })]));
    expect(frame.lines).toHaveLength(12);
    expect(frame.lines[0]).toMatch(/^capstan top - server http:\/\/127\.0\.0\.1:1\/ga4gh\/tes\/v1 - 2 tasks \(1 running, 1 succeeded\) - filter: all - 06:00:00 UTC$/);
    expect(frame.lines[1]).toMatch(/STATE +ELAPSED +CPU% +MEM +TASK +LAST OUTPUT/);
    expect(frame.lines[2]).toMatch(/running +1 min 05 s +97 +200 MiB +busy-1 +step 3 of 9/);
    expect(frame.lines[3]).toMatch(/succeeded +1 min 00 s +- +- +done-1/);
    expect(frame.highlight).toBe(2);
    expect(frame.lines.at(-1)).toContain('q quit');
    expect(frame.lines.every((line) => [...line].length <= 120)).toBe(true);
  });

  it('hostile: a task name and output line with escape sequences reach the frame without them', () => {
    const frame = renderTop(view([task('x', 'running', { name: 'evil\u001b[2J', lastLine: '\u001b]52;c;aGk=\u0007pwned' })]));
    const text = frame.lines.join('\n');
    expect(text).not.toContain('\u001b');
    expect(text).not.toContain('\u0007');
    expect(text).toContain('evil');
    expect(text).toContain('pwned');
  });

  it('filters by state, scrolls to keep the selection in sight, and shows the log tail and the cancel question', () => {
    const tasks = Array.from({ length: 30 }, (_, index) => task(`t-${String(index).padStart(2, '0')}`, index % 2 === 0 ? 'running' : 'queued', { since: NOW - index * 1000 }));
    const filtered = renderTop(view(tasks, { filter: 'queued' }));
    expect(filtered.lines.filter((line) => /^ {2}queued /.test(line))).toHaveLength(8);
    expect(filtered.lines.some((line) => /^ {2}running /.test(line))).toBe(false);
    const scrolled = renderTop(view(tasks, { selected: 't-28' }));
    expect(scrolled.lines[scrolled.highlight ?? 0]).toContain('t-28');
    const log = renderTop(view(tasks, { selected: 't-02', mode: 'log', log: { key: 't-02', lines: ['first', 'last \u001b[2J'] } }));
    expect(log.lines[1]).toContain('log of t-02');
    expect(log.lines).toContain('  last');
    const confirm = renderTop(view(tasks, { selected: 't-02', mode: 'confirm' }));
    expect(confirm.lines.at(-2)).toBe('cancel task t-02 (running)? y/n');
    expect(renderTop(view([])).lines[2]).toBe('  no tasks');
  });
});

describe('onKey', () => {
  const tasks = [task('a', 'running', { since: NOW - 1 }), task('b', 'running', { since: NOW - 2 }), task('c', 'queued')];

  it('moves the selection, cycles the filter, opens the log and comes back', () => {
    let current = view(tasks);
    current = onKey(current, { name: 'down' }).view;
    expect(current.selected).toBe('b');
    current = onKey(current, { name: 'down' }).view;
    current = onKey(current, { name: 'down' }).view;
    expect(current.selected).toBe('c');
    expect(onKey(current, { name: 'f' }).view.filter).toBe('running');
    const opened = onKey(current, { name: 'return' });
    expect(opened).toMatchObject({ effect: 'open-log', view: { mode: 'log', selected: 'c' } });
    expect(onKey(opened.view, { name: 'escape' }).view.mode).toBe('list');
  });

  it('cancels only after y, and q or Ctrl-C quit', () => {
    const asked = onKey(view(tasks), { name: 'c' });
    expect(asked.view.mode).toBe('confirm');
    expect(asked.effect).toBeUndefined();
    expect(onKey(asked.view, { name: 'y' })).toMatchObject({ effect: 'cancel', view: { mode: 'list', selected: 'a' } });
    expect(onKey(asked.view, { name: 'n' })).toEqual({ view: expect.objectContaining({ mode: 'list', status: 'cancel not sent' }) });
    expect(onKey(asked.view, { name: 'q' }).effect).toBeUndefined();
    expect(onKey(view(tasks), { name: 'q' }).effect).toBe('quit');
    expect(onKey(view(tasks), { name: 'c', ctrl: true }).effect).toBe('quit');
  });
});

describe('paging a server list', () => {
  const tasks = [task('a', 'queued', { since: NOW - 1 }), task('b', 'queued', { since: NOW - 2 })];

  it('the header says how much is loaded and whether more is on the server; nothing while the list is whole', () => {
    expect(renderTop(view(tasks, { paging: { loaded: 2, more: true, skipped: 0 } })).lines[0]).toContain(' - 2 tasks (2 queued) loaded, more on the server - filter: all');
    expect(renderTop(view(tasks, { paging: { loaded: 2, more: false, skipped: 4_900 }, width: 160 })).lines[0]).toContain('2 tasks (2 queued) loaded (4900 skipped, g: newest), no more - filter');
    expect(renderTop(view(tasks, { paging: { loaded: 2, more: false, skipped: 0 } })).lines[0]).toContain(' - 2 tasks (2 queued) - filter: all');
  });

  it('down past the last row asks for more only while the list goes on; g goes back to the newest after a skip', () => {
    const last = view(tasks, { selected: 'b', paging: { loaded: 2, more: true, skipped: 0 } });
    expect(onKey(last, { name: 'down' }).effect).toBe('more');
    expect(onKey({ ...last, selected: 'a' }, { name: 'down' }).effect).toBeUndefined();
    expect(onKey({ ...last, paging: { loaded: 2, more: false, skipped: 0 } }, { name: 'down' }).effect).toBeUndefined();
    expect(onKey(view(tasks, { selected: 'b' }), { name: 'down' }).effect).toBeUndefined();
    expect(onKey({ ...last, paging: { loaded: 2, more: true, skipped: 100 } }, { name: 'g' })).toMatchObject({ effect: 'rewind', view: { selected: 'a' } });
    expect(onKey(last, { name: 'g' }).effect).toBeUndefined();
    // G as readline gives it (g with shift): the last row.
    expect(onKey({ ...last, selected: 'a' }, { name: 'g', shift: true }).view.selected).toBe('b');
  });
});
