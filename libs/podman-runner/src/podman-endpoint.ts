import { type DaemonDescription, type EndpointDefaults } from '@capstan/docker-api/internal';

/** Where a rootful Podman service listens (`podman system service` as root, or systemd's podman.socket). */
export const ROOTFUL_PODMAN_SOCKET = '/run/podman/podman.sock';

/** A rootless service's socket: `$XDG_RUNTIME_DIR/podman/podman.sock` (XDG_RUNTIME_DIR defaults to /run/user/UID). */
export function rootlessPodmanSocket(env: NodeJS.ProcessEnv, uid: number): string {
  const runtimeDir = env['XDG_RUNTIME_DIR'] === undefined || env['XDG_RUNTIME_DIR'] === '' ? `/run/user/${uid}` : env['XDG_RUNTIME_DIR'];
  return `${runtimeDir.replace(/\/+$/, '')}/podman/podman.sock`;
}

/**
 * How the podman backend finds its service when no option names it: `CONTAINER_HOST` (Podman's own variable, not
 * DOCKER_HOST), else the rootful socket for root and the invoking user's rootless socket for anyone else. Podman's
 * service speaks plain HTTP on tcp (no TLS), so DOCKER_TLS_VERIFY is not read.
 */
export function podmanEndpointDefaults(env: NodeJS.ProcessEnv, uid: number): EndpointDefaults {
  return {
    hostVariable: 'CONTAINER_HOST',
    defaultSocket: uid === 0 ? ROOTFUL_PODMAN_SOCKET : rootlessPodmanSocket(env, uid),
    tlsFromEnvironment: false,
    hostOptionName: 'the podman host option',
  };
}

/** How errors name the Podman service and how to start one. */
export const PODMAN_SERVICE: DaemonDescription = {
  name: 'Podman',
  cli: 'podman',
  libpod: true,
  hostVariable: 'CONTAINER_HOST',
  startHints: [
    '`podman system service --time=0 unix:///run/podman/podman.sock &` (as root)',
    '`podman system service --time=0 &` (as yourself: a rootless service on $XDG_RUNTIME_DIR/podman/podman.sock)',
    '`systemctl start podman.socket` (or `systemctl --user start podman.socket`)',
    "`bash tools/engines/podman.sh` (in Capstan's repository)",
  ],
  permissionHint:
    'the rootful socket is for root only: run Capstan as root, or use your own rootless service (`podman system service --time=0 &`, ' +
    'socket $XDG_RUNTIME_DIR/podman/podman.sock, the default when Capstan is not root)',
};
