import { PassThrough } from 'node:stream';
import { readJsonLines } from './json-lines';

describe('readJsonLines', () => {
  it('parses objects split across chunks, and a last line without a newline', async () => {
    const stream = new PassThrough();
    const seen: unknown[] = [];
    const done = readJsonLines(stream, (value) => seen.push(value));
    const text = Buffer.from('{"a":1}\n{"b":"é"}\n\n{"c":3}');
    for (let i = 0; i < text.length; i += 3) stream.write(text.subarray(i, i + 3));
    stream.end();
    await done;
    expect(seen).toEqual([{ a: 1 }, { b: 'é' }, { c: 3 }]);
  });
});
