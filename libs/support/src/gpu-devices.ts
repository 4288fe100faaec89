import { readdirSync } from 'node:fs';

/** Counts the GPUs a container can be given on this host; replaced in tests. */
export type GpuCounter = () => number;

/**
 * NVIDIA GPUs as device files: one `/dev/nvidia<N>` per GPU (what Docker's nvidia runtime and Apptainer's `--nv`
 * pass on). `nvidiactl`, `nvidia-uvm` and the like are control devices, not GPUs. A folder that cannot be read
 * counts none: a probe must not fail a host without GPUs.
 */
export function countNvidiaDevices(devFolder = '/dev'): number {
  try {
    return readdirSync(devFolder).filter((name) => /^nvidia[0-9]+$/.test(name)).length;
  } catch {
    return 0;
  }
}
