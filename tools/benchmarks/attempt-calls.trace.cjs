// Preload (`node -r tools/benchmarks/attempt-calls.trace.cjs CLI run ...`): stamps on stderr, from the preload's
// start, every HTTP request to a container engine and its answer, every program Node starts and its exit, the
// configuration's read and the process's exit. The calls one attempt makes, in order, with their times (issue 12,
// docs/benchmarks.md "One attempt's calls"). Not a test.
const dc = require('node:diagnostics_channel');
const childProcess = require('node:child_process');
const fsp = require('node:fs/promises');

const t0 = performance.now();
const log = (text) => process.stderr.write(`[trace ${(performance.now() - t0).toFixed(1)}ms] ${text}\n`);
const started = new WeakMap();
dc.subscribe('http.client.request.start', ({ request }) => {
  started.set(request, performance.now());
  log(`> ${request.method} ${request.path.slice(0, 100)}`);
});
dc.subscribe('http.client.response.finish', ({ request, response }) => {
  log(`< ${response.statusCode} ${request.method} ${request.path.slice(0, 60)} (${(performance.now() - started.get(request)).toFixed(1)} ms)`);
});
for (const name of ['spawn', 'execFile']) {
  const original = childProcess[name];
  childProcess[name] = (...args) => {
    log(`${name} ${args[0]} ${JSON.stringify(Array.isArray(args[1]) ? args[1] : []).slice(0, 200)}`);
    const child = original(...args);
    child.on('exit', (code) => log(`exited ${args[0]} ${code}`));
    return child;
  };
}
const readFile = fsp.readFile;
fsp.readFile = async (...args) => {
  try {
    return await readFile(...args);
  } finally {
    if (String(args[0]).endsWith('config.yaml')) log(`config read ${args[0]}`); // read or found missing
  }
};
process.on('exit', () => log('exit'));
