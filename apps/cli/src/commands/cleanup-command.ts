import { reapOrphans } from '@capstan/cleanup';
import { labelFilter, parseCapstanLabels } from '@capstan/naming';
import { parseArgs } from 'node:util';
import { wireBackends } from '@capstan/wiring';
import { ExitCode } from '../output/exit-codes';
import { type CommandIo, reportFailure } from './common-options';

export const CLEANUP_USAGE = `Usage: capstan cleanup [--backend NAME] [--config FILE] [--json]

Removes every Capstan-labelled container (on every backend that keeps them, or the one named) whose owner process
on this host is gone, and prints what it removed. Containers of running Capstan processes and of other hosts are
left alone.`;

export async function cleanupCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { backend: { type: 'string' }, config: { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    });
    if (values.help) {
      io.stdout(`${CLEANUP_USAGE}\n`);
      return ExitCode.Ok;
    }
    const { registry } = await wireBackends(values.config === undefined ? {} : { configFile: values.config });
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
      const report = await reapOrphans(backend, { selector, parseOwner: parseCapstanLabels });
      failures += report.failed.length;
      reports.push({ backend: name, removed: report.removed.map((r) => ({ id: r.id, name: r.name })), failed: report.failed.map((f) => ({ id: f.resource.id, name: f.resource.name, reason: f.reason })), kept: report.kept });
      if (!values.json) {
        report.removed.forEach((resource) => io.stdout(`removed ${name} ${resource.name} (${resource.id.slice(0, 12)})\n`));
        report.failed.forEach((failed) => io.stderr(`could not remove ${name} ${failed.resource.name}: ${failed.reason}\n`));
        io.stdout(`${name}: removed ${report.removed.length}, kept ${report.kept} (owner still running or not on this host)\n`);
      }
    }
    if (values.json) io.stdout(`${JSON.stringify({ backends: reports })}\n`);
    return failures === 0 ? ExitCode.Ok : ExitCode.Unavailable;
  } catch (error) {
    return reportFailure(error, io, CLEANUP_USAGE);
  }
}
