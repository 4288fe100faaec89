// TES task store benchmark: fill a file-backed SqliteTesTaskStore with realistic tasks, then time ListTasks pages of
// 256 in MINIMAL, BASIC and FULL (first page and a deep page, with and without a tag filter), and the inserts.
// Not a test: prints numbers, asserts no time.
//   node tools/run-ts.mjs tools/benchmarks/tes-store-list.bench.ts [tasks=100000] [repetitions=400]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createStoredTask,
  encodePageToken,
  formatRfc3339,
  parseListQuery,
  type QueryParameters,
  type StoredTesTask,
  TaskIdGenerator,
  type TesState,
  validateCreateTask,
} from '@capstan/tes-model';
import { SqliteTesTaskStore } from '@capstan/tes-store';
import { loadAverage, machineLine, percentile } from './bench-common';

const taskCount = Number(process.argv[2] ?? 100_000);
const repetitions = Number(process.argv[3] ?? 400);
const pageSize = 256;
const targetP50Ms = 5;
const batchSize = 64;

const PROJECTS = Array.from({ length: 20 }, (_, index) => `p${String(index).padStart(2, '0')}`);
const WORKFLOWS = ['rnaseq', 'wgs', 'chipseq', 'methylseq', 'nanopore'] as const;
const STEPS = ['fastqc', 'trim', 'align', 'sort', 'call'] as const;

/** Deterministic pseudo-random numbers (mulberry32), so every run stores the same tasks. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = Math.imul(state ^ (state >>> 15), 1 | state);
    mixed = (mixed + Math.imul(mixed ^ (mixed >>> 7), 61 | mixed)) ^ mixed;
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4294967296;
  };
}

function choose<T>(random: () => number, options: readonly T[]): T {
  const choice = options[Math.floor(random() * options.length)];
  if (choice === undefined) throw new Error('no options');
  return choice;
}

const SCRIPT = `#!/bin/bash
set -euo pipefail
threads="\${THREADS:-4}"
bwa mem -t "$threads" /ref/genome.fa /data/R1.fastq.gz /data/R2.fastq.gz | samtools sort -@ "$threads" -o /out/sample.bam -
samtools index /out/sample.bam
`;

const LOG_TAIL = Array.from({ length: 8 }, (_, line) => `[M::mem_process_seqs] Processed ${(line + 1) * 40_000} reads in 12.3 CPU sec, 3.1 real sec`).join('\n');

/** A task as a workflow engine submits it: a few executors, inputs (one inline script), outputs, resources, tags. */
function realisticTask(random: () => number, index: number, ids: TaskIdGenerator, createdAt: Date): StoredTesTask {
  const project = choose(random, PROJECTS);
  const workflow = choose(random, WORKFLOWS);
  const step = choose(random, STEPS);
  const sample = `S${String(index).padStart(6, '0')}`;
  const bucket = `s3://lab-data/${project}/${workflow}/${sample}`;
  const executor = (name: string, command: string) => ({
    image: `quay.io/biocontainers/${name}:1.17--h00cdaf9_0`,
    command: ['bash', '-c', command],
    workdir: '/work',
    stdout: `/logs/${name}.out`,
    stderr: `/logs/${name}.err`,
    env: { SAMPLE: sample, THREADS: '4', PROJECT: project },
  });
  const executorCount = 1 + Math.floor(random() * 3);
  const body = {
    name: `${workflow}.${step}-${sample}`,
    description: `${step} for sample ${sample} of project ${project} (${workflow} pipeline)`,
    inputs: [
      { name: 'reads_1', url: `${bucket}/reads_R1.fastq.gz`, path: '/data/R1.fastq.gz' },
      { name: 'reads_2', url: `${bucket}/reads_R2.fastq.gz`, path: '/data/R2.fastq.gz' },
      { name: 'reference', url: 's3://lab-data/reference/GRCh38/', path: '/ref', type: 'DIRECTORY' },
      { name: 'script', content: SCRIPT, path: '/scripts/run.sh' },
    ],
    outputs: [
      { name: 'bam', url: `${bucket}/out/sample.bam`, path: '/out/sample.bam' },
      { name: 'reports', url: `${bucket}/out/reports/`, path: '/out/reports/*.html', path_prefix: '/out/reports/' },
    ],
    resources: { cpu_cores: 4, ram_gb: 16, disk_gb: 100, preemptible: random() < 0.3, zones: ['eu-west-1a', 'eu-west-1b'] },
    executors: [executor('samtools', 'bash /scripts/run.sh'), executor('fastqc', 'fastqc -o /out/reports /data/*.fastq.gz'), executor('multiqc', 'multiqc /out/reports')].slice(0, executorCount),
    volumes: ['/scratch'],
    tags: { project, workflow, sample, run: `run-${Math.floor(index / 500)}` },
  };
  const task = createStoredTask(validateCreateTask(body), { id: ids.next(), now: createdAt });
  const roll = random();
  const state: TesState = roll < 0.7 ? 'COMPLETE' : roll < 0.8 ? 'EXECUTOR_ERROR' : roll < 0.9 ? 'RUNNING' : 'QUEUED';
  if (state === 'QUEUED') return task;
  const started = new Date(createdAt.getTime() + 30_000);
  const ended = new Date(started.getTime() + 600_000);
  const finished = state !== 'RUNNING';
  return {
    ...task,
    state,
    logs: [
      {
        start_time: formatRfc3339(started),
        ...(finished ? { end_time: formatRfc3339(ended) } : {}),
        logs: task.executors.map((_, executorIndex) => ({
          start_time: formatRfc3339(started),
          ...(finished ? { end_time: formatRfc3339(ended) } : {}),
          stdout: LOG_TAIL,
          stderr: state === 'EXECUTOR_ERROR' && executorIndex === 0 ? 'samtools sort: truncated file. Aborting.' : '',
          exit_code: state === 'EXECUTOR_ERROR' && executorIndex === 0 ? 1 : 0,
        })),
        outputs: finished ? [{ url: `${bucket}/out/sample.bam`, path: '/out/sample.bam', size_bytes: String(1_000_000_000 + index) }] : [],
        system_logs: [`scheduled on node-${index % 17}`, 'inputs downloaded in 41.2 s'],
      },
    ],
  };
}

function measureMs(run: () => void): number {
  const start = performance.now();
  run();
  return performance.now() - start;
}

interface Scenario {
  readonly label: string;
  readonly query: QueryParameters;
}

function main(): void {
  const folder = mkdtempSync(join(tmpdir(), 'capstan-tes-store-bench-'));
  const file = join(folder, 'tasks.sqlite');
  try {
    console.log(machineLine());
    console.log(`${taskCount.toLocaleString('en-US')} tasks in ${file}, pages of ${pageSize}, ${repetitions} repetitions per row`);
    const random = seededRandom(7);
    const ids = new TaskIdGenerator(() => Date.UTC(2025, 0, 1));
    const start = Date.UTC(2025, 0, 1);
    const tasks = Array.from({ length: taskCount }, (_, index) => realisticTask(random, index, ids, new Date(start + index * 2_000)));
    const bytes = tasks.reduce((sum, task) => sum + JSON.stringify(task).length, 0);
    console.log(`average task JSON ${(bytes / tasks.length).toFixed(0)} bytes`);

    const store = new SqliteTesTaskStore({ file });
    try {
      // The first half one transaction per task (insert), the second in batches (insertMany, the api's group commit).
      const half = Math.floor(taskCount / 2);
      const singleMs = measureMs(() => {
        for (const task of tasks.slice(0, half)) store.insert(task);
      });
      const batchMs = measureMs(() => {
        for (let start = half; start < taskCount; start += batchSize) store.insertMany(tasks.slice(start, start + batchSize));
      });
      const rate = (count: number, ms: number): string => Math.round(count / (ms / 1000)).toLocaleString('en-US');
      console.log(`insert: ${rate(half, singleMs)} tasks/s one transaction each (${half.toLocaleString('en-US')} tasks, ${(singleMs / 1000).toFixed(1)} s)`);
      console.log(`insertMany: ${rate(taskCount - half, batchMs)} tasks/s in batches of ${batchSize} (${(taskCount - half).toLocaleString('en-US')} tasks, ${(batchMs / 1000).toFixed(1)} s); both validate every task`);
      console.log(`file: ${(statSync(file).size / 1024 ** 2).toFixed(0)} MiB (+ WAL ${(statSync(`${file}-wal`, { throwIfNoEntry: false })?.size ?? 0) / 1024 ** 2} MiB)`);

      const newestFirst = tasks.map((task) => task.id).sort((a, b) => (a < b ? 1 : -1));
      const deepAfter = newestFirst[Math.floor(taskCount * 0.9)] ?? newestFirst[newestFirst.length - 1] ?? '';
      const deepToken = encodePageToken({ after: deepAfter });
      const tag = { tag_key: 'project', tag_value: 'p07' };
      const scenarios: Scenario[] = [];
      for (const view of ['MINIMAL', 'BASIC', 'FULL']) {
        scenarios.push(
          { label: `${view} first page`, query: { view } },
          { label: `${view} deep page (90%)`, query: { view, page_token: deepToken } },
          { label: `${view} first page, tag project=p07`, query: { view, ...tag } },
          { label: `${view} deep page, tag project=p07`, query: { view, page_token: deepToken, ...tag } },
        );
      }
      scenarios.push({ label: 'MINIMAL first page, state=QUEUED', query: { view: 'MINIMAL', state: 'QUEUED' } });
      scenarios.push({ label: 'MINIMAL first page, name_prefix=wgs.align', query: { view: 'MINIMAL', name_prefix: 'wgs.align' } });
      // Selective filters: one sample's task (a tag on one task), a name prefix matching a handful of tasks.
      const middle = tasks[Math.floor(taskCount / 2)];
      const sample = middle?.tags['sample'] ?? '';
      const rarePrefix = (middle?.name ?? '').slice(0, -2);
      scenarios.push({ label: `BASIC, tag sample=${sample} (1 task)`, query: { view: 'BASIC', tag_key: 'sample', tag_value: sample } });
      scenarios.push({ label: 'BASIC first page, tag_key=sample (any value)', query: { view: 'BASIC', tag_key: 'sample' } });
      scenarios.push({ label: `BASIC, name_prefix=${rarePrefix} (rare)`, query: { view: 'BASIC', name_prefix: rarePrefix } });

      console.log(`\n  ${'page'.padEnd(48)} ${'tasks'.padStart(5)}  ${'p50 ms'.padStart(8)}  ${'p99 ms'.padStart(8)}`);
      for (const scenario of scenarios) {
        const query = parseListQuery({ ...scenario.query, page_size: String(pageSize) });
        let returned = 0;
        for (let warmUp = 0; warmUp < 20; warmUp++) returned = store.list(query).tasks.length;
        const times = Array.from({ length: repetitions }, () => measureMs(() => store.list(query)));
        const p50 = percentile(times, 0.5);
        const mark = scenario.label.startsWith('FULL') || p50 < targetP50Ms ? '' : '  (over the 5 ms target)';
        console.log(`  ${scenario.label.padEnd(48)} ${String(returned).padStart(5)}  ${p50.toFixed(3).padStart(8)}  ${percentile(times, 0.99).toFixed(3).padStart(8)}${mark}`);
      }
      const counts = measureMs(() => store.countByState());
      console.log(`\ncountByState: ${counts.toFixed(2)} ms ${JSON.stringify(store.countByState())}`);
      const restart = measureMs(() => store.listInStates(['QUEUED', 'RUNNING']));
      console.log(`listInStates(QUEUED, RUNNING): ${restart.toFixed(0)} ms for ${store.listInStates(['QUEUED', 'RUNNING']).length} tasks`);
      console.log(`load average at the end: ${loadAverage()}`);
    } finally {
      store.close();
    }
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

main();
