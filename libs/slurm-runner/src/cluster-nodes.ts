/** One node as `scontrol show node -o` describes it. */
export interface SlurmNode {
  readonly name: string;
  readonly cpus: number;
  /** Bytes (RealMemory, which Slurm gives in MiB). */
  readonly memory: number;
  /** Generic resources by type: `gpu:2,fpga:1` -> { gpu: 2, fpga: 1 }. */
  readonly gres: Readonly<Record<string, number>>;
  readonly partitions: readonly string[];
  /** Slurm's state words, e.g. `IDLE`, `MIXED`, `DOWN+DRAIN`. */
  readonly state: string;
}

export interface SlurmPartition {
  readonly name: string;
  readonly isDefault: boolean;
  readonly state: string;
}

/**
 * `Key=value` pairs of one line of `scontrol show ... -o`. Values may hold blanks (`OS=Linux 6.1 #1 SMP ...`): a word
 * without `=` belongs to the value before it.
 */
export function parseKeyValueLine(line: string): Map<string, string> {
  const fields = new Map<string, string>();
  let key: string | undefined;
  for (const word of line.trim().split(/\s+/)) {
    const match = /^([A-Za-z][A-Za-z0-9_/:.]*)=(.*)$/.exec(word);
    if (match !== null && match[1] !== undefined) {
      key = match[1];
      fields.set(key, match[2] ?? '');
    } else if (key !== undefined && word !== '') {
      fields.set(key, `${fields.get(key) ?? ''} ${word}`);
    }
  }
  return fields;
}

/** `gpu:2`, `gpu:tesla:2(S:0-1)`, `gpu:1,fpga:1`, `(null)` -> counts by type. */
export function parseGres(text: string | undefined): Record<string, number> {
  const counts: Record<string, number> = {};
  if (text === undefined || text === '' || text === '(null)') return counts;
  for (const item of text.split(/,(?![^(]*\))/)) {
    const withoutSocket = item.replace(/\(.*\)$/, '');
    const parts = withoutSocket.split(':');
    const type = parts[0] ?? '';
    if (type === '') continue;
    const last = parts[parts.length - 1] ?? '';
    const count = parts.length > 1 && /^[0-9]+$/.test(last) ? Number(last) : 1;
    counts[type] = (counts[type] ?? 0) + count;
  }
  return counts;
}

export function parseNodes(output: string): SlurmNode[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('NodeName='))
    .map((line) => {
      const fields = parseKeyValueLine(line);
      const number = (key: string): number => {
        const value = Number(fields.get(key));
        return Number.isFinite(value) ? value : 0;
      };
      return {
        name: fields.get('NodeName') ?? '',
        cpus: number('CPUTot') || number('CPUEfctv'),
        memory: number('RealMemory') * 1024 * 1024,
        gres: parseGres(fields.get('Gres')),
        partitions: (fields.get('Partitions') ?? '').split(',').filter((name) => name !== ''),
        state: fields.get('State') ?? '',
      };
    });
}

export function parsePartitions(output: string): SlurmPartition[] {
  return output
    .split('\n')
    .filter((line) => line.startsWith('PartitionName='))
    .map((line) => {
      const fields = parseKeyValueLine(line);
      return { name: fields.get('PartitionName') ?? '', isDefault: fields.get('Default') === 'YES', state: fields.get('State') ?? '' };
    });
}

export interface NodeMaximum {
  readonly cpu: number;
  readonly memory: number;
  readonly gpu: number;
  readonly fpga: number;
  /** The nodes it was taken from. */
  readonly nodes: number;
}

/**
 * What one task can get at most: the largest node of the given partitions, per quantity (a task runs on one node).
 * Nodes that are down or drained still count: they are the cluster's shape, and Slurm queues the job until one is back.
 */
export function largestNode(nodes: readonly SlurmNode[], partitions: readonly string[]): NodeMaximum {
  const chosen = nodes.filter((node) => node.partitions.some((name) => partitions.includes(name)));
  const max = (pick: (node: SlurmNode) => number): number => chosen.reduce((best, node) => Math.max(best, pick(node)), 0);
  return { cpu: max((node) => node.cpus), memory: max((node) => node.memory), gpu: max((node) => node.gres['gpu'] ?? 0), fpga: max((node) => node.gres['fpga'] ?? 0), nodes: chosen.length };
}
