// Runs one task through a PodmanBackend with its defaults, as whoever starts this script: the rootless test starts
// it as the test user (setpriv), so that the backend finds that user's rootless service by itself
// ($XDG_RUNTIME_DIR/podman/podman.sock) and the attempt folder is that user's, as the engine would make it.
// Prints one JSON line: what the probe said, the result and the attempt's paths.
import { PodmanBackend } from '../podman-backend';
import { PodmanTestRun } from './podman-test-kit';

async function main(): Promise<void> {
  const command = process.argv[2] ?? 'true';
  const backend = new PodmanBackend();
  const run = new PodmanTestRun();
  await run.setUp();
  const probe = await backend.probe();
  const request = await run.request(backend, { command });
  const { result } = await run.execute(backend, request);
  const leftovers = await run.leftovers(backend);
  process.stdout.write(
    `${JSON.stringify({ endpoint: backend.client.endpoint.description, probe, capabilities: backend.capabilities, result, paths: request.paths, root: run.root, leftovers })}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
