import { reapOrphans } from '@capstan/cleanup';
import { labelFilter, parseCapstanLabels } from '@capstan/naming';
import { helpText, parseCommand } from '@capstan/cli-spec';
import { ExitCode } from '@capstan/support';
import { cleanupRuns, parseAge } from './cleanup-runs';
import { type CommandIo, reportFailure, wireBackendsFor } from './common-options';
import { CLEANUP_COMMAND } from './definitions';

export async function cleanupCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  try {
    const { values } = parseCommand(CLEANUP_COMMAND, argv);
    if (values.help === true) {
      io.stdout(`${helpText(CLEANUP_COMMAND)}\n`);
      return ExitCode.Ok;
    }
    const { registry, config } = await wireBackendsFor(values.config, io);
    if (values.runs) {
      const olderThanMs = parseAge(values['older-than'] ?? '7d');
      return await cleanupRuns(values['work-root'] ?? config.engine.workRoot, olderThanMs, { dryRun: values['dry-run'] === true, json: values.json === true }, io);
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
      const dryRun = values['dry-run'] === true;
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
    return reportFailure(error, io, { json: argv.includes('--json') });
  }
}
