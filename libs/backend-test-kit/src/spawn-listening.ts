import { type ChildProcess, spawn } from 'node:child_process';

/**
 * Starts a test's own server process and waits until its output says where it listens (`pattern`'s first group, e.g.
 * `127.0.0.1:PORT`): asking for port 0 and reading the port back leaves no race over a free port.
 */
export async function spawnListening(name: string, command: string, args: readonly string[], pattern: RegExp): Promise<{ address: string; process: ChildProcess }> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const address = await new Promise<string>((resolve, reject) => {
    let text = '';
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 20 s: ${text}`)), 20_000);
    child.stdout?.on('data', (chunk: Buffer) => {
      text += chunk.toString();
      const match = pattern.exec(text);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1] ?? '');
      }
    });
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}): ${text}`)));
  });
  child.stdout?.resume();
  child.stderr?.resume();
  return { address, process: child };
}
