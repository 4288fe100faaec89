#!/usr/bin/env node
import 'reflect-metadata';
import { serveCommand } from '@capstan/wiring';

// The api app: Capstan's GA4GH TES v1.1 server (the same as `capstan serve`).
serveCommand(process.argv.slice(2), { stdout: (text) => process.stdout.write(text), stderr: (text) => process.stderr.write(text) }).then(
  (code) => {
    process.exitCode = code;
    // Sockets of the engine's clients may keep the loop alive after a clean stop.
    setTimeout(() => process.exit(code), 2_000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`capstan-api: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 70;
  },
);
