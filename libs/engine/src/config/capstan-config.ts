import { RETENTION_POLICIES } from '@capstan/cleanup';
import { DEFAULT_USAGE_INTERVAL_SECONDS, LIMIT_BEHAVIORS, MAX_USAGE_INTERVAL_SECONDS, MIN_USAGE_INTERVAL_SECONDS } from '@capstan/core-constraints';
import { z } from 'zod';
import { backendsSchema, routesSchema } from '../routing/routing-config';

const limitBehavior = z.enum(LIMIT_BEHAVIORS as unknown as ['deny', 'try_with_max']);

/** Settings of the engine itself; each backend's own section is validated by that backend's schema. */
export const engineConfigSchema = z.strictObject({
  /**
   * A backend name, or `auto` to pick the first available container backend (else local). With `backends:`, the name
   * of the default one among them (the first when left out).
   */
  backend: z.string().min(1).default('auto'),
  /** Where runs' folders go; relative paths are from the working folder. */
  workRoot: z.string().min(1).default('capstan-runs'),
  /** Where tasks' declared outputs are published (default: `outputs/` in each run folder); relative as workRoot. */
  outputDir: z.string().min(1).optional(),
  shell: z.string().regex(/^[A-Za-z0-9_./-]+$/, 'a shell is a program name or path, e.g. "bash" or "/bin/sh"').default('bash'),
  defaultContainer: z.string().min(1).optional(),
  limits: z
    .strictObject({ cpu: limitBehavior.default('deny'), memory: limitBehavior.default('deny'), gpu: limitBehavior.default('deny') })
    .default({ cpu: 'deny', memory: 'deny', gpu: 'deny' }),
  /** Seconds every attempt may run (the `timeout` hint overrides it per task). */
  timeoutSeconds: z.number().positive().optional(),
  /** After an out-of-memory end, the next attempt's memory is multiplied by this (1: off); the task's hint wins. */
  memoryRetryMultiplier: z.number().min(1).max(16).default(1),
  retention: z.enum(RETENTION_POLICIES).default('keep'),
  /**
   * Seconds between two readings of a running attempt's resource usage (usage events); 0 turns them off, leaving
   * what a backend reads at the end.
   */
  usageIntervalSeconds: z
    .number()
    .min(0)
    .max(MAX_USAGE_INTERVAL_SECONDS)
    .refine((seconds) => seconds === 0 || seconds >= MIN_USAGE_INTERVAL_SECONDS, {
      message: `at least ${MIN_USAGE_INTERVAL_SECONDS} s (faster readings cost the task more than they tell), or 0 to turn sampling off`,
    })
    .default(DEFAULT_USAGE_INTERVAL_SECONDS),
  /** Remove containers left by dead Capstan processes on this host when a run starts. */
  reapOnStart: z.boolean().default(true),
  /** A cap on tasks running at once, besides cpu, memory and GPUs. */
  maxConcurrentTasks: z.number().int().positive().optional(),
  /**
   * Backend plugins to load besides Capstan's own: package names, or paths relative to the config file's folder.
   * Each adds a backend, selected by its name, with its options in a section of that name.
   */
  plugins: z.array(z.string().min(1)).default([]),
  /** Several backends in one engine, by name: `{ here: { type: local }, hpc: { type: slurm, partition: long } }`. */
  backends: backendsSchema.optional(),
  /** With `backends:`: rules that pick a task's backend, in order, the first that matches wins. */
  routes: routesSchema.optional(),
});

export type EngineConfig = z.infer<typeof engineConfigSchema>;
