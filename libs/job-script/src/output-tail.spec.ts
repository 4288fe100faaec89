import { type BackendEvent } from '@capstan/core-constraints';
import { openTaskFile } from '@capstan/task-files';
import { appendFile, mkdtemp, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutputTail } from './output-tail';

describe('OutputTail', () => {
  let dir: string;
  let file: string;
  let events: BackendEvent[];
  let opens: number;
  const countingOpen: typeof openTaskFile = (root, path) => {
    opens += 1;
    return openTaskFile(root, path);
  };
  const texts = (): string => events.map((event) => (event.type === 'log' ? event.text : '')).join('');

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'capstan-output-tail-'));
    file = join(dir, 'stdout');
    events = [];
    opens = 0;
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('opens the file only when it has grown: a poll of an unchanged log costs no open', async () => {
    const tail = new OutputTail(file, 'stdout', (event) => events.push(event), countingOpen);
    await tail.read();
    expect(opens).toBe(0); // not there yet
    await writeFile(file, 'one\n');
    await tail.read();
    await tail.read();
    await tail.read();
    expect(opens).toBe(1);
    await appendFile(file, 'two\n');
    await tail.read();
    expect(opens).toBe(2);
    expect(texts()).toBe('one\ntwo\n');
  });

  it('reads a truncated file again from its start', async () => {
    const tail = new OutputTail(file, 'stdout', (event) => events.push(event), countingOpen);
    await writeFile(file, 'a long first line\n');
    await tail.read();
    await writeFile(file, 'new\n');
    await tail.read();
    expect(texts()).toBe('a long first line\nnew\n');
  });

  it('hostile: a link put in the log file\'s place is refused, whatever its size, and nothing outside is read', async () => {
    const outside = join(dir, '..', `capstan-output-tail-secret-${process.pid}`);
    await writeFile(outside, 'secret\n');
    try {
      const tail = new OutputTail(file, 'stdout', (event) => events.push(event), countingOpen);
      await writeFile(file, 'ok\n');
      await tail.read();
      await unlink(file);
      await symlink(outside, file);
      await tail.read();
      expect(opens).toBe(2); // the link went to the safe open, which refused it
      expect(texts()).toBe('ok\n');
    } finally {
      await rm(outside, { force: true });
    }
  });

  it('fault: a log removed while it is followed ends nothing and emits nothing', async () => {
    const tail = new OutputTail(file, 'stdout', (event) => events.push(event), countingOpen);
    await writeFile(file, 'x\n');
    await tail.read();
    await rm(file);
    await expect(tail.read()).resolves.toBeUndefined();
    await expect(tail.finish()).resolves.toBeUndefined();
    expect(texts()).toBe('x\n');
  });
});
