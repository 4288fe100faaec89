#!/usr/bin/env bash
# Podman for Capstan's podman backend: installs Debian's podman (4.3) if missing, writes the configuration this
# kind of machine needs, starts the Docker-compatible API service (rootful, and rootless for the test user) if
# nothing answers, and makes the test images available to it as localhost/capstan-test/{busybox,bash}:1.
#
#   - /etc/containers/containers.conf (or, when a containers.conf of someone else's lacks them, the drop-in
#     containers.conf.d/50-capstan.conf):
#       [containers] default_ulimits: the hard RLIMIT_NOFILE here (20000) is below Podman's default ulimits, so
#                    every container would fail with "setrlimit RLIMIT_NOFILE: Operation not permitted";
#       [engine] runtime = "runc": crun 1.8 refuses the hybrid cgroup layout ("cgroups in hybrid mode not supported");
#       [engine] conmon_path: a wrapper that starts conmon in the container's bundle folder. conmon 2.1 writes its
#                    OOM marker to its working directory, Podman 4.x reads it from the bundle folder, so without it
#                    State.OOMKilled is never true (podman#13102, fixed in Podman 5.0; conmon#504).
#   - /etc/containers/registries.conf.d/50-capstan-local-registry.conf: the local registry (plain HTTP) is insecure.
#   - the rootful service: `podman system service --time=0 unix://$CAPSTAN_PODMAN_SOCKET`;
#   - rootless, for $CAPSTAN_TEST_USER (tools/engines/test-user.sh makes it): subuid/subgid ranges, /run/user/UID,
#     overlay storage, /dev/net/tun usable by users (mode 0666, as Debian's udev rules make it; slirp4netns needs
#     it), a service on /run/user/UID/podman/podman.sock started as that user, and the test images in its storage.
#     A rootless failure does not fail the script: the reason goes to $CAPSTAN_STATE_DIR/podman/rootless.status
#     (first line `ok` or `unavailable`, then the error text), which the rootless tests print when they skip.
#
# The images are imported from the tarballs test-images.sh keeps ($CAPSTAN_STATE_DIR/test-images/*.tar) with the
# same settings and the same content-hash label (io.capstan.test-image-hash), so an image whose label matches is
# left alone.
#
# Environment (optional, besides those of lib.sh):
#   CAPSTAN_PODMAN_SOCKET    the rootful service's socket (default /run/podman/podman.sock)
#   CAPSTAN_PODMAN_ROOTLESS  1 (default): also set up the rootless service for CAPSTAN_TEST_USER; 0: rootful only
#   CAPSTAN_TEST_USER        the rootless user (default capstan-runner)
#   CAPSTAN_REGISTRY_PORT    the local registry's port, made insecure for Podman (default 5000)
# Logs: $CAPSTAN_LOG_DIR/podman.log (rootful service), podman-rootless.log, apt.log.
set -euo pipefail
ENGINE=podman
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SOCK=${CAPSTAN_PODMAN_SOCKET:-/run/podman/podman.sock}
ROOTLESS=${CAPSTAN_PODMAN_ROOTLESS:-1}
TEST_USER=${CAPSTAN_TEST_USER:-capstan-runner}
REGISTRY_PORT=${CAPSTAN_REGISTRY_PORT:-5000}
STATE=$CAPSTAN_STATE_DIR/podman
PODMAN_LOG=$CAPSTAN_LOG_DIR/podman.log
ROOTLESS_LOG=$CAPSTAN_LOG_DIR/podman-rootless.log
ROOTLESS_STATUS=$STATE/rootless.status
CONMON_WRAPPER=/usr/local/libexec/capstan/conmon
HASH_LABEL=io.capstan.test-image-hash
IMAGES_DIR=$CAPSTAN_STATE_DIR/test-images
# Each test image: its Podman name, its tarball, its shell. The settings below are test-images.sh's own (the hash
# covers them), so both engines' images carry the same hash for the same content.
IMAGE_KINDS="busybox bash"

[[ "$SOCK" == /* ]] || die "CAPSTAN_PODMAN_SOCKET must be an absolute path, not '$SOCK'"
[[ "$REGISTRY_PORT" =~ ^[0-9]+$ ]] || die "CAPSTAN_REGISTRY_PORT must be a port number, not '$REGISTRY_PORT'"

run_dep test-images.sh # the image tarballs
[ "$ROOTLESS" = 0 ] || run_dep test-user.sh
need_cmd curl curl
apt_install podman crun uidmap catatonit slirp4netns
mkdir -p "$STATE" "$CAPSTAN_LOG_DIR"

# --- configuration (each file rewritten only when it differs) ---
config_changed=0
podman_major=$(podman --version | sed -n 's/^podman version \([0-9]*\)\..*/\1/p')
wanted_conf() {
  printf '# Written by Capstan'"'"'s tools/engines/podman.sh; rewritten when it differs.\n'
  printf '[containers]\n# The hard RLIMIT_NOFILE of this machine is below Podman'"'"'s default ulimits.\n'
  printf 'default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\n\n'
  printf '[engine]\n# crun 1.8 refuses the hybrid cgroup layout.\nruntime = "runc"\n'
  if [ "${podman_major:-0}" -lt 5 ]; then
    printf '# conmon in the bundle folder, so that Podman 4.x sees its OOM marker (podman#13102).\n'
    printf 'conmon_path = ["%s"]\n' "$CONMON_WRAPPER"
  fi
}
if [ "${podman_major:-0}" -lt 5 ]; then
  mkdir -p "$(dirname "$CONMON_WRAPPER")"
  if write_if_changed "$CONMON_WRAPPER" 755 <<'EOF'; then
#!/bin/sh
# Written by Capstan's tools/engines/podman.sh. Starts conmon in the container's bundle folder (its -b/--bundle
# argument): conmon 2.1 writes the OOM marker "oom" to its working directory, and Podman 4.x looks for it in the
# bundle folder only (containers/podman#13102, containers/conmon#504), so without this an OOM kill is never reported.
bundle= prev=
for arg in "$@"; do
  case $prev in -b | --bundle) bundle=$arg ;; esac
  case $arg in --bundle=*) bundle=${arg#--bundle=} ;; esac
  prev=$arg
done
if [ -n "$bundle" ] && [ -d "$bundle" ]; then cd "$bundle" || exit 1; fi
for conmon in /usr/bin/conmon /usr/libexec/podman/conmon /usr/local/bin/conmon; do
  [ -x "$conmon" ] && exec "$conmon" "$@"
done
echo "capstan conmon wrapper: no conmon found" >&2
exit 127
EOF
    config_changed=1
    log "wrote $CONMON_WRAPPER (conmon in the bundle folder, so OOM kills are reported)"
  fi
fi
CONF=/etc/containers/containers.conf
DROPIN=/etc/containers/containers.conf.d/50-capstan.conf
mkdir -p /etc/containers
if [ ! -e "$CONF" ] || head -n1 "$CONF" | grep -q "Capstan's tools/engines/podman.sh"; then
  if wanted_conf | write_if_changed "$CONF" 644; then
    config_changed=1
    log "wrote $CONF (default_ulimits, runtime runc$([ "${podman_major:-0}" -lt 5 ] && echo ', conmon wrapper'))"
  fi
else
  # Someone else's containers.conf: leave it, and add what it lacks as a drop-in (read after it).
  if ! { grep -q 'nofile=1024:1024' "$CONF" && grep -qE '^\s*runtime\s*=\s*"runc"' "$CONF" &&
    { [ "${podman_major:-0}" -ge 5 ] || grep -qF "$CONMON_WRAPPER" "$CONF"; }; }; then
    mkdir -p "$(dirname "$DROPIN")"
    if wanted_conf | write_if_changed "$DROPIN" 644; then
      config_changed=1
      log "$CONF is not Capstan's: wrote the settings it lacks to $DROPIN"
    fi
  fi
fi
if write_if_changed /etc/containers/registries.conf.d/50-capstan-local-registry.conf 644 <<EOF; then
# Written by Capstan's tools/engines/podman.sh: the local test registry speaks plain HTTP.
[[registry]]
location = "127.0.0.1:$REGISTRY_PORT"
insecure = true
EOF
  config_changed=1
  log "wrote /etc/containers/registries.conf.d/50-capstan-local-registry.conf (127.0.0.1:$REGISTRY_PORT insecure)"
fi

# --- services ---
# answers SOCKET: a Podman service answers there (the Docker-compatible ping, and the libpod API: not a Docker daemon)
answers() {
  [ -S "$1" ] || return 1
  [ "$(curl -fsS --max-time 5 --unix-socket "$1" http://d/v1.41/_ping 2>/dev/null)" = OK ] &&
    curl -fsS --max-time 5 --unix-socket "$1" -o /dev/null http://d/v4.0.0/libpod/_ping 2>/dev/null
}
# our_service SOCKET UID: the pids of the services this script starts on SOCKET as UID, if they run. Found by their
# command line, not the pid file: rootless Podman re-executes itself inside its user namespace, so the process that
# serves is a child of the one started (and outlives it when that one is killed).
our_service() {
  local pid
  for pid in $(pgrep -u "$2" -x podman 2>/dev/null); do
    pid_alive "$pid" podman && [ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" = "podman system service --time=0 unix://$1 " ] && echo "$pid"
  done
  return 0
}
stop_pid() {
  local pid=$1 _
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do pid_alive "$pid" || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}
# start_service NAME LOG PIDFILE SOCKET UID CMD...: (re)starts the service unless something already answers
start_service() {
  local name=$1 logfile=$2 pidfile=$3 sock=$4 owner=$5 pid pids
  shift 5
  pids=$(our_service "$sock" "$owner")
  pid=${pids%%$'\n'*}
  if [ -n "$pids" ] && [ "$config_changed" = 1 ]; then
    log "configuration changed: restarting the $name service (pid ${pids//$'\n'/ })"
    for pid in $pids; do stop_pid "$pid"; done
    pid=
  fi
  answers "$sock" && return 0
  if [ -n "$pid" ]; then
    log "the $name service (pid $pid) runs but does not answer yet; waiting"
  else
    if [ "$(curl -fsS --max-time 5 --unix-socket "$sock" http://d/_ping 2>/dev/null)" = OK ]; then
      die "something that is not Podman (no /libpod/ API) answers on $sock; stop it or set CAPSTAN_PODMAN_SOCKET"
    fi
    [ ! -S "$sock" ] || rm -f "$sock" # a socket nothing answers on is left from a service that is gone
    log "starting the $name service on unix://$sock (log $logfile)"
    # In /: conmon inherits the service's working directory, and Podman 4.x's conmon (without the wrapper) drops
    # its OOM markers there; never in the caller's folder.
    (cd / && start_detached "$logfile" "$pidfile" "$@")
    pid=$(cat "$pidfile")
  fi
  wait_until "podman $name service" "$logfile" "$pid" answers "$sock"
}
start_rootful() {
  mkdir -p "$(dirname "$SOCK")"
  start_service rootful "$PODMAN_LOG" "$STATE/podman.pid" "$SOCK" 0 podman system service --time=0 "unix://$SOCK"
}
with_lock "$CAPSTAN_ENGINES_LOCK.podman" start_rootful
# (from the ping's headers: GET /version runs conmon and runc to ask theirs, 0.4 s)
version=$(curl -fsS --max-time 5 --unix-socket "$SOCK" -D - -o /dev/null http://d/v4.0.0/libpod/_ping 2>/dev/null |
  sed -n 's/^Libpod-Api-Version: *\([^[:space:]]*\).*/\1/ip')
log "rootful service answers at unix://$SOCK (Podman ${version:-?})"

# --- test images ---
# image_hash KIND: the hash test-images.sh computes (tarball + image settings)
image_hash() {
  local shell=sh
  [ "$1" = bash ] && shell=bash
  { sha256sum <"$IMAGES_DIR/$1.tar"; printf '%s\n' "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "WORKDIR /" "CMD [\"$shell\"]"; } |
    sha256sum | cut -c1-64
}
# load_images WHO RUN...: imports each tarball as localhost/capstan-test/KIND:1 with RUN (a podman command line for
# this storage) unless the image's hash label matches, then checks that it runs.
load_images() {
  local who=$1 kind name hash current old_id shell out
  shift
  for kind in $IMAGE_KINDS; do
    [ -f "$IMAGES_DIR/$kind.tar" ] || die "no $IMAGES_DIR/$kind.tar (tools/engines/test-images.sh makes it)"
    name=localhost/capstan-test/$kind:1
    shell='sh'
    [ "$kind" = bash ] && shell=bash
    hash=$(image_hash "$kind")
    current=$("$@" image inspect --format "{{ index .Config.Labels \"$HASH_LABEL\" }}" "$name" 2>/dev/null || true)
    if [ "$current" = "$hash" ]; then
      log "$who: $name is up to date (hash ${hash:0:12})"
      continue
    fi
    old_id=$("$@" image inspect --format '{{.Id}}' "$name" 2>/dev/null || true)
    "$@" import --change "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" --change "WORKDIR /" \
      --change "CMD [\"$shell\"]" --change "LABEL $HASH_LABEL=$hash" --quiet - "$name" <"$IMAGES_DIR/$kind.tar" >/dev/null ||
      { echo "podman import of $name failed"; return 1; }
    [ -z "$old_id" ] || "$@" rmi "$old_id" >/dev/null 2>&1 || true # only if now untagged and unused
    # stdout only: Podman's warnings on stderr are not the answer
    out=$("$@" run --rm --network none "$name" "$shell" -c 'echo ok' 2>"$STATE/check.err") ||
      { echo "$name does not run: $(cat "$STATE/check.err")"; return 1; }
    [ "$out" = ok ] || { echo "$name printed '$out' instead of 'ok'"; return 1; }
    log "$who: imported $name (hash ${hash:0:12}); $shell -c 'echo ok' printed ok"
  done
}
with_lock "$CAPSTAN_ENGINES_LOCK.images" load_images rootful podman || die "could not make the test images available to Podman (see above)"

# --- rootless, for the test user ---
rootless_status() { # rootless_status ok|unavailable [TEXT]: records the outcome for the tests
  printf '%s\n%s\n' "$1" "${2:-}" | write_if_changed "$ROOTLESS_STATUS" 644 || true
}
rootless_fail() {
  rootless_status unavailable "$1"
  log "rootless Podman for $TEST_USER is unavailable: $1 (rootful works; recorded in $ROOTLESS_STATUS)"
  exit 0
}
if [ "$ROOTLESS" = 0 ]; then
  rootless_status unavailable "CAPSTAN_PODMAN_ROOTLESS=0: tools/engines/podman.sh did not set up rootless Podman"
  log "rootless set-up skipped (CAPSTAN_PODMAN_ROOTLESS=0)"
  exit 0
fi
uid=$(id -u "$TEST_USER" 2>/dev/null) || rootless_fail "there is no user $TEST_USER (tools/engines/test-user.sh makes it)"
gid=$(id -g "$TEST_USER")
home=$(getent passwd "$TEST_USER" | cut -d: -f6)
RUNTIME_DIR=/run/user/$uid
USER_SOCK=$RUNTIME_DIR/podman/podman.sock
as_user() {
  setpriv --reuid="$uid" --regid="$gid" --init-groups env -i HOME="$home" USER="$TEST_USER" LOGNAME="$TEST_USER" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin XDG_RUNTIME_DIR="$RUNTIME_DIR" "$@"
}
# subordinate ids: a range of 65536 after every range already given, unless the user has one
for kind in uid gid; do
  if ! grep -q "^$TEST_USER:" "/etc/sub$kind" 2>/dev/null && ! grep -q "^$uid:" "/etc/sub$kind" 2>/dev/null; then
    start=$(awk -F: 'BEGIN { end = 100000 } $2 + $3 > end { end = $2 + $3 } END { print end }' "/etc/sub$kind" 2>/dev/null || echo 100000)
    usermod "--add-sub${kind}s" "$start-$((start + 65535))" "$TEST_USER"
    log "gave $TEST_USER the sub${kind}s $start-$((start + 65535))"
  fi
done
if [ "$(stat -c %a /dev/net/tun 2>/dev/null)" != 666 ] && [ -c /dev/net/tun ]; then
  chmod 0666 /dev/net/tun # Debian's udev rules make it 0666; slirp4netns opens it as the user
  log "made /dev/net/tun usable by users (mode 0666; it was not, and slirp4netns needs it for rootless networks)"
fi
mkdir -p "$RUNTIME_DIR"
chown "$uid:$gid" "$RUNTIME_DIR"
chmod 700 "$RUNTIME_DIR"
# Without a storage.conf, rootless Podman 4.3 picks vfs (a full copy of the image per container) unless
# fuse-overlayfs is installed; this kernel mounts overlay in a user namespace natively. Only for a storage not
# made yet: switching the driver of an existing one needs `podman system reset`.
if [ ! -e "$home/.local/share/containers/storage" ] && [ ! -e "$home/.config/containers/storage.conf" ]; then
  as_user mkdir -p "$home/.config/containers"
  printf '# Written by Capstan'"'"'s tools/engines/podman.sh\n[storage]\ndriver = "overlay"\n' |
    as_user tee "$home/.config/containers/storage.conf" >/dev/null
  log "wrote $home/.config/containers/storage.conf (driver overlay)"
fi

start_rootless() {
  as_user mkdir -p "$(dirname "$USER_SOCK")" || return 1
  start_service rootless "$ROOTLESS_LOG" "$STATE/podman-rootless.pid" "$USER_SOCK" "$uid" \
    setpriv --reuid="$uid" --regid="$gid" --init-groups env -i HOME="$home" USER="$TEST_USER" LOGNAME="$TEST_USER" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin XDG_RUNTIME_DIR="$RUNTIME_DIR" \
    podman system service --time=0 "unix://$USER_SOCK"
}
touched=1 # whether anything changed since the last full check (then the containers below run again)
if [ "$config_changed" = 0 ] && answers "$USER_SOCK" && [ "$(head -n1 "$ROOTLESS_STATUS" 2>/dev/null)" = ok ]; then touched=0; fi
if ! out=$(with_lock "$CAPSTAN_ENGINES_LOCK.podman-rootless" start_rootless 2>&1); then
  rootless_fail "$(printf '%s' "$out" | tail -n 8 | tr '\n' ' ')"
fi
[ -z "$out" ] || printf '%s\n' "$out"
if ! failure=$(with_lock "$CAPSTAN_ENGINES_LOCK.images" load_images "rootless ($TEST_USER)" as_user podman 2>&1); then
  rootless_fail "$(printf '%s' "$failure" | tail -n 4 | tr '\n' ' ')"
fi
[ -z "$failure" ] || printf '%s\n' "$failure"
if [ "$touched" = 0 ] && ! grep -q imported <<<"$failure"; then
  log "rootless service answers at unix://$USER_SOCK for $TEST_USER (unchanged since the last check)"
  exit 0
fi
check=$(as_user podman run --rm --userns=keep-id --network none localhost/capstan-test/busybox:1 id -u 2>"$STATE/check.err") ||
  rootless_fail "podman run --userns=keep-id failed as $TEST_USER: $(cat "$STATE/check.err")"
[ "$check" = "$uid" ] || rootless_fail "a --userns=keep-id container of $TEST_USER ran as uid '$check', not $uid"
as_user podman run --rm localhost/capstan-test/busybox:1 true 2>"$STATE/check.err" >/dev/null ||
  rootless_fail "a rootless container with a network failed: $(tail -n 3 "$STATE/check.err" | tr '\n' ' ')"
driver=$(as_user podman info --format '{{.Store.GraphDriverName}}' 2>/dev/null || echo '?')
rootless_status ok "unix://$USER_SOCK"
log "rootless service answers at unix://$USER_SOCK for $TEST_USER (uid $uid; storage $driver; keep-id runs as $uid)"
