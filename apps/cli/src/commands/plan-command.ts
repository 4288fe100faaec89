import { type Constraints, formatBytes, loadTaskFile } from '@capstan/core-constraints';
import { helpText, parseCommand } from '@capstan/cli-spec';
import { wire } from '@capstan/wiring';
import { ExitCode } from '@capstan/support';
import { BACKEND_FLAG_REASON, type CommandIo, TRANSFER_WIRING, engineFlags, forcedBackend, printConfigWarnings, reportFailure, usageError } from './common-options';
import { PLAN_COMMAND } from './definitions';

/** The `--json` shape of a plan: a stable contract for scripts. */
export interface PlanJson {
  readonly task: string;
  readonly backend: string;
  /** With several backends (`backends:`): why the task goes to this one (its hint, the rule that matched, the default). */
  readonly route?: string;
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
  /** Where each image would come from, for backends that can say (apptainer: the SIF cache, a local store, its registry). */
  readonly images?: readonly string[];
}

export async function planCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const json = argv.includes('--json');
  let file: string | undefined;
  try {
    const { values, positionals } = parseCommand(PLAN_COMMAND, argv);
    if (values.help === true) {
      io.stdout(`${helpText(PLAN_COMMAND)}\n`);
      return ExitCode.Ok;
    }
    if (positionals.length !== 1) throw usageError(PLAN_COMMAND, `plan takes exactly one task file, got ${positionals.length}`);
    file = positionals[0] as string;
    const task = await loadTaskFile(file);
    const { engine, registry, config } = await wire({ ...engineFlags(PLAN_COMMAND, values), ...TRANSFER_WIRING });
    printConfigWarnings(config.warnings, io);
    const forced = forcedBackend(values.backend, config);
    const plan = await engine.plan(task, forced, forced === undefined ? undefined : BACKEND_FLAG_REASON);
    const images = await registry.get(plan.backend).describeImages?.(plan.resolution.constraints);
    const route = config.named === undefined ? {} : { route: plan.route };
    const report: PlanJson = { ...planJson(plan.task, plan.backend, plan.resolution.constraints, plan.resolution.warnings), ...route, ...(images === undefined ? {} : { images }) };
    // The human plan has them on stderr already; the JSON one is the whole answer, so it lists them too.
    if (json) report.warnings = [...report.warnings, ...config.warnings];
    io.stdout(json ? `${JSON.stringify(report)}\n` : formatPlan(report));
    return ExitCode.Ok;
  } catch (error) {
    return reportFailure(error, io, { json, file });
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
    ...(plan.route === undefined ? [] : [`  chosen by  ${plan.route}`]),
    `  container  ${c.containers.map((image) => `${image.reference} (${image.kind})`).join(', then ')}`,
    `  cpu        ${c.cpu} (${limit('max_cpu', c.cpuLimit === null ? null : String(c.cpuLimit))})`,
    `  memory     ${formatBytes(c.memory)} (${limit('max_memory', c.memoryLimit === null ? null : formatBytes(c.memoryLimit))})`,
    `  gpu        ${c.gpu}`,
    `  fpga       ${c.fpga}`,
    `  disks      ${Object.entries(c.disks).map(([mount, bytes]) => `${mount === '/' ? 'task root' : mount} ${formatBytes(bytes)}`).join(', ')}`,
  ];
  for (const image of plan.images ?? []) lines.push(`  image      ${image}`);
  for (const warning of plan.warnings) lines.push(`warning: ${warning}`);
  return `${lines.join('\n')}\n`;
}
