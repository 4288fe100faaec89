#!/usr/bin/env bash
# A local Docker registry (Debian's docker-registry, distribution 2.8) with htpasswd auth on
# 127.0.0.1:$CAPSTAN_REGISTRY_PORT, holding the test image capstan-test/busybox:1 as
# 127.0.0.1:PORT/capstan/busybox:1. Installs docker-registry and apache2-utils if missing, writes
# its own config, starts the registry if nothing answers, waits for it, pushes the image if the
# registry does not hold it yet, and checks that an anonymous pull fails with an auth error while
# an authenticated one works. Docker logins happen in throwaway DOCKER_CONFIG folders, so
# ~/.docker/config.json is never touched.
#
# Environment (optional, besides those of lib.sh):
#   CAPSTAN_REGISTRY_PORT      default 5000 (the registry listens on 127.0.0.1 only)
#   CAPSTAN_REGISTRY_USER      default capstan
#   CAPSTAN_REGISTRY_PASSWORD  default capstan-test-password
# Files (under $CAPSTAN_STATE_DIR/registry, default /var/lib/capstan/registry):
#   config.yml, htpasswd, data/ (storage), registry.pid, and credentials.env with
#   REGISTRY=127.0.0.1:PORT REGISTRY_USER=... REGISTRY_PASSWORD=... REGISTRY_IMAGE=REGISTRY/capstan/busybox:1
# Log: $CAPSTAN_LOG_DIR/registry.log (default /var/log/capstan/registry.log).
set -euo pipefail
ENGINE=registry
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT=${CAPSTAN_REGISTRY_PORT:-5000}
USER_NAME=${CAPSTAN_REGISTRY_USER:-capstan}
PASSWORD=${CAPSTAN_REGISTRY_PASSWORD:-capstan-test-password}
ADDR=127.0.0.1:$PORT
DIR=$CAPSTAN_STATE_DIR/registry
CONFIG=$DIR/config.yml
HTPASSWD=$DIR/htpasswd
PIDFILE=$DIR/registry.pid
CREDENTIALS=$DIR/credentials.env
REG_LOG=$CAPSTAN_LOG_DIR/registry.log
SOURCE_IMAGE=${CAPSTAN_TEST_BUSYBOX_IMAGE:-capstan-test/busybox:1}
TARGET_IMAGE=$ADDR/capstan/busybox:1

[[ "$PORT" =~ ^[0-9]+$ ]] || die "CAPSTAN_REGISTRY_PORT must be a port number, not '$PORT'"
[[ "$USER_NAME" =~ ^[A-Za-z0-9._-]+$ ]] || die "CAPSTAN_REGISTRY_USER may hold only letters, digits, '.', '_', '-'"
[[ "$PASSWORD" =~ ^[A-Za-z0-9._~@%+=,:/-]+$ ]] ||
  die "CAPSTAN_REGISTRY_PASSWORD may hold only letters, digits and ._~@%+=,:/- (it goes into an env file unquoted)"

run_dep test-images.sh
need_cmd curl curl
apt_install docker-registry apache2-utils

v2_status() { # HTTP status of GET /v2/ (000 when nothing answers); extra curl args: "$@"
  curl -s -o /dev/null -w '%{http_code}' --max-time 3 "$@" "http://$ADDR/v2/" 2>/dev/null || true
}
# Before touching anything: a port held by something that is not a registry with auth is an error.
status=$(v2_status)
case "$status" in
  000 | 401) ;;
  200) die "a registry without auth answers on $ADDR; stop it or set CAPSTAN_REGISTRY_PORT" ;;
  *) die "something else answers on $ADDR (GET /v2/ gave HTTP $status); set CAPSTAN_REGISTRY_PORT" ;;
esac

# --- configuration (rewritten only when it differs) ---
mkdir -p "$DIR/data" "$CAPSTAN_LOG_DIR"
changed=0
if ! htpasswd -vb "$HTPASSWD" "$USER_NAME" "$PASSWORD" >/dev/null 2>&1; then
  htpasswd -Bbn "$USER_NAME" "$PASSWORD" | write_if_changed "$HTPASSWD" 600 || true
  changed=1
  log "wrote $HTPASSWD for user $USER_NAME"
fi
if write_if_changed "$CONFIG" 644 <<EOF; then
# Written by tools/engines/registry.sh; rewritten when it differs.
version: 0.1
log:
  level: info
  fields:
    service: capstan-registry
storage:
  filesystem:
    rootdirectory: $DIR/data
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: $ADDR
  headers:
    X-Content-Type-Options: [nosniff]
auth:
  htpasswd:
    realm: capstan-registry
    path: $HTPASSWD
EOF
  changed=1
  log "wrote $CONFIG"
fi

# --- the running registry ---
answers() { [ "$(v2_status)" = 401 ]; }
our_pid() { # the pid of the registry this script started with $CONFIG, if it runs
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null || true)
  pid_alive "$pid" docker-registry && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$CONFIG" && echo "$pid"
}
stop_ours() {
  local pid=$1 _
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do pid_alive "$pid" || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

start_registry() {
  local pid
  pid=$(our_pid || true)
  if [ -n "$pid" ] && [ "$changed" = 1 ]; then
    log "configuration changed: restarting the registry (pid $pid)"
    stop_ours "$pid"
    pid=
  fi
  if [ -z "$pid" ] && answers; then return 0; fi # some other registry with auth: checked below
  if [ -n "$pid" ]; then
    answers && return 0
    log "registry (pid $pid) is running but does not answer yet; waiting"
  else
    local status
    status=$(v2_status)
    [ "$status" = 000 ] || die "something else answers on $ADDR (GET /v2/ gave HTTP $status); set CAPSTAN_REGISTRY_PORT"
    log "starting docker-registry on $ADDR (log $REG_LOG)"
    start_detached "$REG_LOG" "$PIDFILE" docker-registry serve "$CONFIG"
    pid=$STARTED_PID
  fi
  wait_until "docker-registry" "$REG_LOG" "$pid" answers
}
with_lock "$CAPSTAN_ENGINES_LOCK.registry" start_registry

status=$(v2_status -u "$USER_NAME:$PASSWORD")
[ "$status" = 200 ] ||
  die "the registry on $ADDR refuses $USER_NAME's password (HTTP $status): it was not started by this script with these credentials; stop it or set CAPSTAN_REGISTRY_PORT"
log "registry answers on $ADDR (anonymous GET /v2/: 401, with credentials: 200)"

# --- the test image ---
cleanup() { rm -rf "${AUTH_CONFIG:-}" "${ANON_CONFIG:-}"; }
trap cleanup EXIT
AUTH_CONFIG=$(mktemp -d)
ANON_CONFIG=$(mktemp -d)
printf '%s' "$PASSWORD" | DOCKER_CONFIG=$AUTH_CONFIG docker login -u "$USER_NAME" --password-stdin "$ADDR" >/dev/null 2>&1 ||
  die "docker login $ADDR as $USER_NAME failed"

local_id=$(docker image inspect --format '{{.Id}}' "$SOURCE_IMAGE" 2>/dev/null) ||
  die "no local image $SOURCE_IMAGE (tools/engines/test-images.sh makes it)"
# The config digest of the manifest the registry holds equals the local image ID when it is the same image.
remote_config=$(curl -fsS --max-time 5 -u "$USER_NAME:$PASSWORD" \
  -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' \
  "http://$ADDR/v2/capstan/busybox/manifests/1" 2>/dev/null |
  tr -d ' \n' | sed -n 's/.*"config":{[^}]*"digest":"\([^"]*\)".*/\1/p' || true)
docker tag "$SOURCE_IMAGE" "$TARGET_IMAGE"
if [ "$remote_config" = "$local_id" ]; then
  log "$TARGET_IMAGE is already pushed"
else
  out=$(DOCKER_CONFIG=$AUTH_CONFIG docker push "$TARGET_IMAGE" 2>&1) || die "docker push $TARGET_IMAGE failed: $out"
  log "pushed $SOURCE_IMAGE as $TARGET_IMAGE"
fi

# --- auth checks through docker itself ---
if out=$(DOCKER_CONFIG=$ANON_CONFIG docker pull "$TARGET_IMAGE" 2>&1); then
  die "an anonymous pull of $TARGET_IMAGE succeeded; the registry does not require auth"
fi
grep -qiE 'no basic auth credentials|unauthorized|authentication required' <<<"$out" ||
  die "an anonymous pull of $TARGET_IMAGE failed, but not with an auth error: $out"
log "anonymous pull refused ($(grep -oiE 'no basic auth credentials|unauthorized[^"]*|authentication required' <<<"$out" | head -n1))"
out=$(DOCKER_CONFIG=$AUTH_CONFIG docker pull "$TARGET_IMAGE" 2>&1) || die "an authenticated pull of $TARGET_IMAGE failed: $out"
log "authenticated pull works"

if write_if_changed "$CREDENTIALS" 644 <<EOF; then
REGISTRY=$ADDR
REGISTRY_USER=$USER_NAME
REGISTRY_PASSWORD=$PASSWORD
REGISTRY_IMAGE=$TARGET_IMAGE
EOF
  log "wrote $CREDENTIALS"
fi
log "ready: REGISTRY=$ADDR REGISTRY_USER=$USER_NAME REGISTRY_PASSWORD=(in $CREDENTIALS) REGISTRY_IMAGE=$TARGET_IMAGE"
