#!/usr/bin/env bash
# An ordinary (non-root) user for the tests that prove outputs belong to whoever runs Capstan:
# `capstan-runner` (uid/gid 1500 unless taken), in the docker group so it may use the daemon's socket.
#   CAPSTAN_TEST_USER  the user name (default capstan-runner)
set -euo pipefail
ENGINE=test-user
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

user=${CAPSTAN_TEST_USER:-capstan-runner}
if ! id -u "$user" >/dev/null 2>&1; then
  uid=1500
  while getent passwd "$uid" >/dev/null || getent group "$uid" >/dev/null; do uid=$((uid + 1)); done
  groupadd --gid "$uid" "$user"
  useradd --uid "$uid" --gid "$uid" --create-home --shell /bin/bash "$user"
  log "created user $user (uid $uid)"
fi
if getent group docker >/dev/null && ! id -nG "$user" | tr ' ' '\n' | grep -qx docker; then
  usermod -aG docker "$user"
  log "added $user to the docker group"
fi
log "user $user: $(id "$user")"
