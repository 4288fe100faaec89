import { PodmanBackend } from '@capstan/podman-runner';
import { describeBackendConformance } from './conformance';

// The service the backend finds by itself: as root the rootful one (/run/podman/podman.sock), as anyone else their own
// rootless one ($XDG_RUNTIME_DIR/podman/podman.sock, keep-id). tools/engines/podman.sh starts both; the rootless run is
//   setpriv --reuid=1500 --regid=1500 --init-groups env HOME=/home/capstan-runner XDG_RUNTIME_DIR=/run/user/1500 \
//     npx jest -c libs/backend-conformance/jest.config.cjs --cacheDirectory /tmp/capstan-jest-1500 podman
const rootless = (process.getuid?.() ?? 0) !== 0;
describeBackendConformance({
  name: rootless ? 'podman (rootless)' : 'podman',
  create: () => new PodmanBackend({ graceSeconds: 2, pullPolicy: 'if-not-present' }),
  image: 'localhost/capstan-test/busybox:1',
  missingImage: '127.0.0.1:5000/capstan/missing:1',
  shell: 'sh',
});
