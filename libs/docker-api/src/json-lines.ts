import { StringDecoder } from 'node:string_decoder';

/** Reads a stream of newline-separated JSON objects (the daemon's progress streams), calling `onObject` for each. */
export function readJsonLines(stream: NodeJS.ReadableStream, onObject: (value: unknown) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    let pending = '';
    const take = (text: string): void => {
      pending += text;
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line !== '') parseLine(line);
        newline = pending.indexOf('\n');
      }
    };
    const parseLine = (line: string): void => {
      try {
        onObject(JSON.parse(line));
      } catch (error) {
        if (error instanceof SyntaxError) return; // not JSON: the daemon's streams never do this, proxies might
        throw error;
      }
    };
    stream.on('data', (chunk: Buffer | string) => {
      try {
        take(typeof chunk === 'string' ? chunk : decoder.write(chunk));
      } catch (error) {
        reject(error as Error);
      }
    });
    stream.once('error', reject);
    stream.once('end', () => {
      try {
        take(decoder.end() + '\n');
        resolve();
      } catch (error) {
        reject(error as Error);
      }
    });
  });
}
