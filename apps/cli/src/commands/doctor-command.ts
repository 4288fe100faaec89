import { type Backend, formatBytes } from '@capstan/core-constraints';
import { helpText, parseCommand } from '@capstan/cli-spec';
import { chooseBackend } from '@capstan/wiring';
import { ExitCode } from '@capstan/support';
import { type CommandIo, reportFailure, wireBackendsFor } from './common-options';
import { DOCTOR_COMMAND } from './definitions';

interface BackendReport {
  readonly name: string;
  readonly available: boolean;
  readonly version?: string;
  readonly problems: readonly string[];
  readonly capacity?: { readonly cpu: number; readonly memory: number; readonly gpu: number; readonly perTask: { readonly cpu: number; readonly memory: number; readonly gpu: number } };
  readonly enforces: readonly string[];
  readonly doesNotEnforce: readonly string[];
  readonly runs: readonly string[];
  /** How it reports what attempts used (`BackendCapabilities.usage`). */
  readonly usage: string;
}

export async function doctorCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  try {
    const { values } = parseCommand(DOCTOR_COMMAND, argv);
    if (values.help === true) {
      io.stdout(`${helpText(DOCTOR_COMMAND)}\n`);
      return ExitCode.Ok;
    }
    const { registry, config } = await wireBackendsFor(values.config, io);
    const reports = await Promise.all(registry.names.map((name) => examine(registry.get(name))));
    const { backend: chosen, selection } = await chooseBackend(registry, config.engine.backend);
    const ok = reports.find((report) => report.name === chosen.name)?.available === true;
    if (values.json) {
      io.stdout(`${JSON.stringify({ configured: config.engine.backend, chosen: chosen.name, selection, backends: reports })}\n`);
    } else {
      reports.forEach((report) => io.stdout(formatReport(report)));
      io.stdout(`\nConfigured backend: ${config.engine.backend}${config.engine.backend === 'auto' ? ` -> ${chosen.name}` : ''}${config.file ? ` (from ${config.file})` : ''}\n`);
      selection.forEach((line) => io.stdout(`  ${line}\n`));
    }
    return ok ? ExitCode.Ok : ExitCode.Unavailable;
  } catch (error) {
    return reportFailure(error, io, { json: argv.includes('--json') });
  }
}

async function examine(backend: Backend): Promise<BackendReport> {
  const flags = backend.capabilities;
  const enforceable: Array<[string, boolean]> = [
    ['memory limit', flags.enforcesMemoryLimit],
    ['cpu limit', flags.enforcesCpuLimit],
    ['GPUs', flags.gpus],
    ['read-only inputs', flags.readOnlyInputs],
    ['network isolation', flags.networkIsolation],
    ['outputs owned by the invoking user', flags.runsAsInvokingUser],
    ['disk sizes', flags.enforcesDiskSize],
  ];
  const base = {
    name: backend.name,
    enforces: enforceable.filter(([, yes]) => yes).map(([what]) => what),
    doesNotEnforce: enforceable.filter(([, yes]) => !yes).map(([what]) => what),
    runs: flags.runsContainers ? flags.containerKinds : ['commands on the host (no container)'],
  };
  const probe = await backend.probe().catch((error: unknown) => ({ available: false, problems: [error instanceof Error ? error.message : String(error)] }));
  // Read after the probe: a backend may learn what it reports from the runtime it reached (tes against a Capstan server).
  const usage = backend.capabilities.usage ?? 'unavailable';
  if (!probe.available) return { ...base, usage, available: false, problems: probe.problems };
  const capacity = await backend.capacity();
  return {
    ...base,
    usage,
    available: true,
    ...('version' in probe && probe.version !== undefined ? { version: probe.version } : {}),
    problems: probe.problems,
    capacity: { ...capacity.total, perTask: capacity.perTaskMax },
  };
}

function formatReport(report: BackendReport): string {
  const lines = [`${report.name}: ${report.available ? `available${report.version ? ` (${report.version})` : ''}` : 'NOT available'}`];
  if (report.capacity) {
    const c = report.capacity;
    lines.push(`  capacity: ${c.cpu} CPUs, ${formatBytes(c.memory)} memory, ${c.gpu} GPUs (one task at most ${c.perTask.cpu} CPUs, ${formatBytes(c.perTask.memory)})`);
  }
  lines.push(`  runs: ${report.runs.join(', ')}`);
  lines.push(`  enforces: ${report.enforces.join(', ') || 'nothing'}`);
  if (report.doesNotEnforce.length > 0) lines.push(`  does not enforce: ${report.doesNotEnforce.join(', ')}`);
  lines.push(`  resource usage: ${report.usage}`);
  report.problems.forEach((problem) => lines.push(`  problem: ${problem}`));
  return `${lines.join('\n')}\n`;
}
