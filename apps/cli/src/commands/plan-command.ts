import { type Constraints, formatBytes, loadTaskFile } from '@capstan/core-constraints';
import { parseArgs } from 'node:util';
import { wire } from '@capstan/wiring';
import { ExitCode } from '../output/exit-codes';
import { type CommandIo, ENGINE_FLAGS, ENGINE_FLAGS_HELP, engineFlags, printConfigWarnings, reportFailure, usageError } from './common-options';

export const PLAN_USAGE = `Usage: capstan plan <task-file> [options]

Resolves a task on a backend without running it and prints what would run.

Options:
  --json                          print one JSON object on stdout (also on error)
  -h, --help                      show this help

${ENGINE_FLAGS_HELP}`;


/** The `--json` shape of a plan: a stable contract for scripts. */
export interface PlanJson {
  readonly task: string;
  readonly backend: string;
  readonly constraints: {
    readonly containers: ReadonlyArray<{ readonly kind: string; readonly reference: string }>;
    readonly cpu: number;
    readonly memory: number;
    readonly cpuLimit: number | null;
    readonly memoryLimit: number | null;
    readonly gpu: number;
    readonly fpga: number;
    readonly disks: Readonly<Record<string, number>>;
  };
  /** The task's warnings (anything clamped, ignored or likely a typo), then the configuration's. */
  warnings: readonly string[];
}

export async function planCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const json = argv.includes('--json');
  let file: string | undefined;
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: { ...ENGINE_FLAGS, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    });
    if (values.help) {
      io.stdout(`${PLAN_USAGE}\n`);
      return ExitCode.Ok;
    }
    if (positionals.length !== 1) throw usageError(`plan takes exactly one task file, got ${positionals.length}`, PLAN_USAGE);
    file = positionals[0] as string;
    const task = await loadTaskFile(file);
    const { engine, config } = await wire(engineFlags(values));
    printConfigWarnings(config.warnings, io);
    const plan = await engine.plan(task);
    const report = planJson(plan.task, plan.backend, plan.resolution.constraints, plan.resolution.warnings);
    // The human plan has them on stderr already; the JSON one is the whole answer, so it lists them too.
    if (json) report.warnings = [...report.warnings, ...config.warnings];
    io.stdout(json ? `${JSON.stringify(report)}\n` : formatPlan(report));
    return ExitCode.Ok;
  } catch (error) {
    return reportFailure(error, io, PLAN_USAGE, { json, file });
  }
}

export function planJson(task: string, backend: string, constraints: Constraints, warnings: readonly string[]): PlanJson {
  return {
    task,
    backend,
    constraints: {
      containers: constraints.containers.map(({ kind, reference }) => ({ kind, reference })),
      cpu: constraints.cpu,
      memory: constraints.memory,
      cpuLimit: constraints.cpuLimit,
      memoryLimit: constraints.memoryLimit,
      gpu: constraints.gpu,
      fpga: constraints.fpga,
      disks: constraints.disks,
    },
    warnings,
  };
}

function formatPlan(plan: PlanJson): string {
  const c = plan.constraints;
  const limit = (hint: string, value: string | null): string => `${hint}: ${value ?? 'not set'}`;
  const lines = [
    `Task "${plan.task}" on the ${plan.backend} backend would run with:`,
    `  container  ${c.containers.map((image) => `${image.reference} (${image.kind})`).join(', then ')}`,
    `  cpu        ${c.cpu} (${limit('max_cpu', c.cpuLimit === null ? null : String(c.cpuLimit))})`,
    `  memory     ${formatBytes(c.memory)} (${limit('max_memory', c.memoryLimit === null ? null : formatBytes(c.memoryLimit))})`,
    `  gpu        ${c.gpu}`,
    `  fpga       ${c.fpga}`,
    `  disks      ${Object.entries(c.disks).map(([mount, bytes]) => `${mount === '/' ? 'task root' : mount} ${formatBytes(bytes)}`).join(', ')}`,
  ];
  for (const warning of plan.warnings) lines.push(`warning: ${warning}`);
  return `${lines.join('\n')}\n`;
}
