/**
 * Capabilities of a container engine's default set that tasks do not need and an attacker would: making device
 * nodes (MKNOD), raw sockets for spoofing and sniffing (NET_RAW), file capabilities that outlive the container
 * (SETFCAP), the kernel audit log (AUDIT_WRITE) and chroot-based escapes (SYS_CHROOT). What tasks commonly need
 * (CHOWN, DAC_OVERRIDE, FOWNER, SETUID/SETGID for package managers and `su`) stays. Every backend that starts
 * containers through an engine with a default capability set (Docker, Podman, and Slurm jobs running either) drops
 * these unless its `capDrop` option says otherwise.
 */
export const DEFAULT_CAP_DROP: readonly string[] = ['MKNOD', 'NET_RAW', 'SETFCAP', 'AUDIT_WRITE', 'SYS_CHROOT'];

/** A capability as the engines' options take it: `NET_RAW`, `CAP_NET_RAW`, or `ALL`. */
export const CAPABILITY_NAME = /^(ALL|(CAP_)?[A-Z][A-Z0-9_]*)$/;
