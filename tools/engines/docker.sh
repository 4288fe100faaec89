#!/usr/bin/env bash
# Makes sure a Docker Engine answers: uses one that already answers on $DOCKER_HOST (or
# /var/run/docker.sock) as it is; otherwise installs docker.io from Debian if `dockerd` is missing
# (a `docker` on PATH may be only a client), starts dockerd detached and waits for GET /_ping.
#
# Environment (optional, besides those of lib.sh):
#   DOCKER_HOST          unix:///path or tcp://host:port; a unix socket that does not answer gets
#                        a dockerd started on it, a tcp endpoint that does not answer is an error
#   CAPSTAN_DOCKERD_ARGS extra dockerd arguments (word-split), e.g. "--iptables=false"
# Logs: $CAPSTAN_LOG_DIR/dockerd.log (default /var/log/capstan/dockerd.log), apt.log.
set -euo pipefail
ENGINE=docker
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need_cmd curl curl
DOCKERD_LOG=$CAPSTAN_LOG_DIR/dockerd.log
DOCKERD_PIDFILE=/var/run/docker.pid # written by dockerd itself (its --pidfile default)
CONTAINERD_PIDFILE=/var/run/docker/containerd/containerd.pid # dockerd's own containerd

SOCK=
URL=http://localhost
case "${DOCKER_HOST:-}" in
  '') SOCK=/var/run/docker.sock ;;
  unix://*) SOCK=${DOCKER_HOST#unix://} ;;
  tcp://*) URL=http://${DOCKER_HOST#tcp://} ;;
  *) die "unsupported DOCKER_HOST '$DOCKER_HOST' (use unix:///path or tcp://host:port)" ;;
esac
WHERE=${SOCK:-$URL}

api() { # api PATH: GET on the Docker API, body on stdout
  if [ -n "$SOCK" ]; then
    [ -S "$SOCK" ] || return 1
    curl -fsS --max-time 5 --unix-socket "$SOCK" "$URL$1" 2>/dev/null
  else
    curl -fsS --max-time 5 "$URL$1" 2>/dev/null
  fi
}
answers() { [ "$(api /_ping)" = OK ]; }
json_field() { # json_field KEY: the last top-level-looking "KEY":"value" of the JSON on stdin
  sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p" | head -n1
}
report() {
  local info version driver cgroup
  version=$(api /version | json_field Version)
  info=$(api /info)
  driver=$(printf '%s' "$info" | json_field Driver)
  cgroup=$(printf '%s' "$info" | json_field CgroupVersion)
  log "daemon answers at $WHERE (version ${version:-?}, storage driver ${driver:-?}, cgroup v${cgroup:-?})"
}
ensure_cli() {
  command -v docker >/dev/null 2>&1 || apt_install docker.io
}

if answers; then
  ensure_cli
  report
  exit 0
fi

[ -n "$SOCK" ] || die "nothing answers at DOCKER_HOST=$DOCKER_HOST, and a daemon is only started on a unix socket"

if ! command -v dockerd >/dev/null 2>&1; then
  if command -v docker >/dev/null 2>&1; then
    log "no dockerd on PATH (the docker on PATH, $(command -v docker), is only a client)"
  else
    log "no dockerd on PATH"
  fi
  apt_install docker.io
  command -v dockerd >/dev/null 2>&1 || die "docker.io is installed but there is still no dockerd on PATH"
fi

start_dockerd() {
  answers && return 0 # a concurrent run started it meanwhile
  local pid
  pid=$(cat "$DOCKERD_PIDFILE" 2>/dev/null || true)
  if pid_alive "$pid" dockerd; then
    log "dockerd (pid $pid) is running but does not answer yet; waiting"
  else
    if [ -n "$pid" ]; then
      # dockerd refuses to start while its pid file names a process that /proc still lists,
      # which includes an unreaped zombie of a killed dockerd.
      log "removing the stale $DOCKERD_PIDFILE (pid $pid no longer runs)"
      rm -f "$DOCKERD_PIDFILE"
    fi
    # Likewise dockerd waits for "its" containerd (and times out) while the containerd pid file it
    # left names a process that still exists, e.g. a zombie.
    local cpid
    cpid=$(cat "$CONTAINERD_PIDFILE" 2>/dev/null || true)
    if [ -n "$cpid" ] && ! pid_alive "$cpid" containerd; then
      log "removing the stale $CONTAINERD_PIDFILE (pid $cpid no longer runs)"
      rm -f "$CONTAINERD_PIDFILE"
    fi
    local -a args=(-H "unix://$SOCK")
    # shellcheck disable=SC2206 # word splitting of the extra arguments is intended
    [ -z "${CAPSTAN_DOCKERD_ARGS:-}" ] || args+=($CAPSTAN_DOCKERD_ARGS)
    log "starting dockerd ${args[*]} (log $DOCKERD_LOG)"
    start_detached "$DOCKERD_LOG" "$CAPSTAN_STATE_DIR/dockerd.pid" dockerd "${args[@]}"
    pid=$STARTED_PID
  fi
  wait_until dockerd "$DOCKERD_LOG" "$pid" answers
}
mkdir -p "$CAPSTAN_STATE_DIR"
with_lock "$CAPSTAN_ENGINES_LOCK.docker" start_dockerd
report
