import { readFileSync } from 'node:fs';
import { type Privileges } from './exec-plan';

/** Capability names by bit (capability.h), up to the last one Apptainer 1.4 asks for as root (0x1ffffffffff). */
export const CAPABILITY_NAMES = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'CAP_IPC_LOCK',
  'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT', 'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD', 'CAP_LEASE',
  'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG', 'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
] as const;

/**
 * The capabilities (of those the kernel has, up to CAP_CHECKPOINT_RESTORE) missing from a `CapPrm:` mask of
 * /proc/PID/status. Root in some sandboxes lacks CAP_SYS_RESOURCE; Apptainer's default root mode then fails with
 * "Requesting capability set ... while permitted capability set is ...".
 */
export function missingCapabilities(status: string, lastCap: number): string[] {
  const mask = /^CapPrm:\s*([0-9a-fA-F]+)$/m.exec(status)?.[1];
  if (mask === undefined) return [];
  const permitted = BigInt(`0x${mask}`);
  const last = Math.min(lastCap, CAPABILITY_NAMES.length - 1);
  return CAPABILITY_NAMES.slice(0, last + 1).filter((_, bit) => (permitted & (1n << BigInt(bit))) === 0n);
}

/** This process: root or not, and (for root) what it lacks. */
export function currentPrivileges(): Privileges {
  const root = process.getuid?.() === 0;
  if (!root) return { root, missingCapabilities: [] };
  try {
    const lastCap = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim());
    return { root, missingCapabilities: missingCapabilities(readFileSync('/proc/self/status', 'utf8'), Number.isFinite(lastCap) ? lastCap : CAPABILITY_NAMES.length - 1) };
  } catch {
    return { root, missingCapabilities: [] };
  }
}
