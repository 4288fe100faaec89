/**
 * A task that reports how confined its container is: its effective capabilities, whether it may gain privileges,
 * whether it can make a device node, and whether the engine's socket is reachable. Busybox's applets are named
 * through `busybox` so that the probe works in the smallest test image.
 */
export const HARDENING_PROBE_COMMAND = [
  "busybox grep -E '^(CapEff|NoNewPrivs):' /proc/self/status",
  'if busybox mknod /mnt/task/work/probe-null c 1 3 2>/dev/null; then echo mknod=made; else echo mknod=refused; fi',
  'for s in /var/run/docker.sock /run/docker.sock /run/podman/podman.sock; do [ -e "$s" ] && echo "socket=$s"; done',
  'true',
].join('\n');

/** Linux capability numbers (linux/capability.h) of the ones Capstan drops by default. */
export const CAPABILITY_BITS = { NET_RAW: 13, SYS_CHROOT: 18, MKNOD: 27, AUDIT_WRITE: 29, SETFCAP: 31, CHOWN: 0, DAC_OVERRIDE: 1 } as const;

export interface HardeningReport {
  readonly capabilities: ReadonlySet<keyof typeof CAPABILITY_BITS>;
  readonly noNewPrivs: boolean;
  readonly mknod: 'made' | 'refused';
  readonly sockets: readonly string[];
}

/** Reads what {@link HARDENING_PROBE_COMMAND} printed. */
export function parseHardeningProbe(stdout: string): HardeningReport {
  const field = (name: string): string | undefined => new RegExp(`^${name}:\\s*(\\S+)`, 'm').exec(stdout)?.[1];
  const capEff = BigInt(`0x${field('CapEff') ?? '0'}`);
  const capabilities = new Set(
    (Object.keys(CAPABILITY_BITS) as Array<keyof typeof CAPABILITY_BITS>).filter((name) => (capEff >> BigInt(CAPABILITY_BITS[name])) & 1n),
  );
  return {
    capabilities,
    noNewPrivs: field('NoNewPrivs') === '1',
    mknod: /^mknod=made$/m.test(stdout) ? 'made' : 'refused',
    sockets: [...stdout.matchAll(/^socket=(.+)$/gm)].map((match) => match[1] as string),
  };
}
