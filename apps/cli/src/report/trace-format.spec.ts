import { escapeField, formatRow, parseTrace, TRACE_COLUMNS, TRACE_HEADER, type TraceRow, unescapeField } from './trace-format';

const row = (fields: Partial<TraceRow>): TraceRow => ({ ...(Object.fromEntries(TRACE_COLUMNS.map((column) => [column, ''])) as TraceRow), ...fields });

describe('trace.tsv format', () => {
  it('keeps its header: scripts read these columns by name and position (only ever append new ones at the end)', () => {
    expect(TRACE_HEADER).toBe(
      'task\tunique_name\tattempt\tbackend\timage\tdigest\texit_code\tend_reason\tsubmit\tstart\tend\tqueue_ms\tpull_ms\twall_ms\tcpu_percent\tpeak_memory_bytes\tread_bytes\twritten_bytes\tcpu_request\tmemory_request_bytes\n',
    );
  });

  it('escapes a hostile task name so that a tab or newline in it cannot forge a column or a row, and reads it back as it was', () => {
    const hostile = 'a\tb\nc\\t\r\u0000\u001b[31m</script>';
    const text = `${TRACE_HEADER}${formatRow(row({ task: hostile, attempt: '1', image: 'img\n2\tforged' }))}${formatRow(row({ task: 'next', attempt: '2' }))}`;
    const lines = text.split('\n');
    expect(lines).toHaveLength(4);
    lines.slice(0, 3).forEach((line) => expect(line.split('\t')).toHaveLength(TRACE_COLUMNS.length));
    expect(escapeField(hostile)).toBe('a\\tb\\nc\\\\t\\r\\x00\\x1b[31m</script>');
    const rows = parseTrace(text);
    expect(rows.map((one) => [one.task, one.image, one.attempt])).toEqual([
      [hostile, 'img\n2\tforged', '1'],
      ['next', '', '2'],
    ]);
  });

  it('leaves out a row cut short by a killed write, and reads a later Capstan\'s extra columns by their names', () => {
    const later = `${TRACE_HEADER.trimEnd()}\tnew_column\n${formatRow(row({ task: 'kept', attempt: '1' })).slice(0, -1)}\textra\nhalf\twrit`;
    expect(parseTrace(later)).toEqual([row({ task: 'kept', attempt: '1' })]);
    expect(unescapeField('\\x41\\\\n')).toBe('A\\n');
  });
});
