import { ProgressReporter, type TransferProgress } from './progress-reporter';

describe('ProgressReporter', () => {
  it('sends the first event, then at most one per interval, then the last', () => {
    let now = 0;
    const events: TransferProgress[] = [];
    const reporter = new ProgressReporter('in', 'http://h/x', 100, (event) => events.push(event), 1000, () => now);
    reporter.update(0);
    now = 10;
    reporter.update(10);
    now = 999;
    reporter.update(20);
    now = 1000;
    reporter.update(30);
    now = 1500;
    reporter.update(100);
    reporter.finish();
    expect(events.map((event) => event.bytesDone)).toEqual([0, 30, 100]);
    expect(events[0]).toEqual({ direction: 'in', url: 'http://h/x', bytesDone: 0, bytesTotal: 100 });
  });

  it('does not repeat a final event that was just sent, and reports a total learned late', () => {
    let now = 0;
    const events: TransferProgress[] = [];
    const reporter = new ProgressReporter('out', 'u', null, (event) => events.push(event), 0, () => now);
    reporter.update(5);
    reporter.finish();
    reporter.setTotal(5);
    reporter.finish();
    now = 1;
    expect(events).toEqual([
      { direction: 'out', url: 'u', bytesDone: 5, bytesTotal: null },
      { direction: 'out', url: 'u', bytesDone: 5, bytesTotal: 5 },
    ]);
  });

  it('turns a throwing listener into a warning and carries on', () => {
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const reporter = new ProgressReporter('in', 'u', null, () => {
        throw new Error('listener broke');
      }, 0, () => 0);
      expect(() => reporter.update(1)).not.toThrow();
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('listener broke'));
    } finally {
      warn.mockRestore();
    }
  });
});
