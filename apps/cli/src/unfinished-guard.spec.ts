import { EventEmitter } from 'node:events';
import { UnfinishedGuard } from './commands/unfinished-guard';

describe('UnfinishedGuard (capstan run never exits 0 with tasks unfinished)', () => {
  const exitCodeBefore = process.exitCode;
  afterEach(() => {
    process.exitCode = exitCodeBefore;
  });

  it('names the unfinished tasks and sets exit code 70 when the event loop empties before they end', () => {
    const events = new EventEmitter();
    const said: string[] = [];
    const guard = new UnfinishedGuard(['align', 'align', 'sort'], (text) => said.push(text), events);
    guard.ended('align', 0);
    events.emit('beforeExit', 0);
    expect(process.exitCode).toBe(70);
    expect(said.join('')).toContain('2 task(s) unfinished (align#2, sort#3)');
  });

  it('stands down once every task ended, so a run that finished keeps its own exit code', () => {
    const events = new EventEmitter();
    const guard = new UnfinishedGuard(['align', 'sort'], () => undefined, events);
    guard.ended('sort', 1);
    guard.ended('align', 0);
    expect(events.listenerCount('beforeExit')).toBe(0);
    events.emit('beforeExit', 0);
    expect(process.exitCode).toBe(exitCodeBefore);
  });
});
