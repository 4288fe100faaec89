import { reapOrphans } from '@capstan/cleanup';
import { labelFilter, parseCapstanLabels } from '@capstan/naming';
import { parseArgs } from 'node:util';
import { ExitCode } from '../output/exit-codes';
import { cleanupRuns, parseAge } from './cleanup-runs';
import { type CommandIo, reportFailure, wireBackendsFor } from './common-options';

export const CLEANUP_USAGE = `Usage: capstan cleanup [--backend NAME] [--config FILE] [--dry-run] [--json]
       capstan cleanup --runs [--older-than 7d] [--work-root DIR] [--config FILE] [--dry-run] [--json]

Removes every Capstan-labelled container (on every backend that keeps them, or the one named) whose owner process
on this host is gone, and prints what it removed. Containers of running Capstan processes and of other hosts are
left alone, and so are a TES server's (they carry its data folder as holder): that server takes them over when it
starts again; cleanup names each one it skipped and why. --dry-run removes nothing and prints what it would do.

--runs removes run folders under the work root (default: the configured workRoot) older than --older-than
(m, h or d; default 7d), and nothing else: links and folders Capstan does not make are skipped, named.`;

export async function cleanupCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: {
        backend: { type: 'string' },
        config: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        runs: { type: 'boolean', default: false },
        'older-than': { type: 'string', default: '7d' },
        'work-root': { type: 'string' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.help) {
      io.stdout(`${CLEANUP_USAGE}\n`);
      return ExitCode.Ok;
    }
    const { registry, config } = await wireBackendsFor(values.config, io);
    if (values.runs) {
      const olderThanMs = parseAge(values['older-than'], CLEANUP_USAGE);
      return await cleanupRuns(values['work-root'] ?? config.engine.workRoot, olderThanMs, { dryRun: values['dry-run'], json: values.json }, io);
    }
    const names = values.backend === undefined ? registry.names : [registry.get(values.backend).name];
    const selector = Object.fromEntries(labelFilter().label.map((pair) => pair.split('=', 2) as [string, string]));
    let failures = 0;
    const reports = [];
    for (const name of names) {
      const backend = registry.get(name);
      if (!backend.listManaged) continue;
      const probe = await backend.probe().catch(() => ({ available: false }));
      if (!probe.available) {
        if (values.backend !== undefined) throw new Error(`the ${name} backend is not available; run "capstan doctor" to see why`);
        continue;
      }
      const dryRun = values['dry-run'];
      const report = await reapOrphans(backend, { selector, parseOwner: parseCapstanLabels, dryRun });
      failures += report.failed.length;
      const withReason = (item: { resource: { id: string; name: string }; reason: string }): object => ({ id: item.resource.id, name: item.resource.name, reason: item.reason });
      reports.push({ backend: name, dryRun, removed: report.removed.map((r) => ({ id: r.id, name: r.name })), failed: report.failed.map(withReason), skipped: report.skipped.map(withReason), kept: report.kept });
      if (!values.json) {
        const verb = dryRun ? 'would remove' : 'removed';
        report.removed.forEach((resource) => io.stdout(`${verb} ${name} ${resource.name} (${resource.id.slice(0, 12)})\n`));
        report.skipped.forEach((skipped) => io.stdout(`skipped ${name} ${skipped.resource.name} (${skipped.resource.id.slice(0, 12)}): ${skipped.reason}\n`));
        report.failed.forEach((failed) => io.stderr(`could not remove ${name} ${failed.resource.name}: ${failed.reason}\n`));
        io.stdout(`${name}: ${verb} ${report.removed.length}, skipped ${report.skipped.length} (held by a TES server's data folder), kept ${report.kept} (owner still running or not on this host)\n`);
      }
    }
    if (values.json) io.stdout(`${JSON.stringify({ backends: reports })}\n`);
    return failures === 0 ? ExitCode.Ok : ExitCode.Unavailable;
  } catch (error) {
    return reportFailure(error, io, CLEANUP_USAGE);
  }
}
