# shellcheck shell=bash
# Shared helpers for tools/engines/*.sh. Sourced, never run. The sourcing script sets ENGINE (the
# prefix of its progress lines) and `set -euo pipefail` before sourcing this file.
#
# Environment (all optional):
#   CAPSTAN_LOG_DIR       daemon and apt logs                  (default /var/log/capstan)
#   CAPSTAN_STATE_DIR     configs, data, built image tarballs  (default /var/lib/capstan)
#   CAPSTAN_ENGINES_LOCK  flock file serialising apt work      (default /tmp/capstan-engines.lock)
#   CAPSTAN_WAIT_SECONDS  how long to wait for a daemon to answer (default 60)

CAPSTAN_LOG_DIR=${CAPSTAN_LOG_DIR:-/var/log/capstan}
CAPSTAN_STATE_DIR=${CAPSTAN_STATE_DIR:-/var/lib/capstan}
CAPSTAN_ENGINES_LOCK=${CAPSTAN_ENGINES_LOCK:-/tmp/capstan-engines.lock}
CAPSTAN_WAIT_SECONDS=${CAPSTAN_WAIT_SECONDS:-60}
ENGINES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export DEBIAN_FRONTEND=noninteractive
umask 022

log() { printf '%s: %s\n' "${ENGINE:-engines}" "$*"; }
die() {
  printf '%s: ERROR: %s\n' "${ENGINE:-engines}" "$*" >&2
  exit 1
}

[ "$(id -u)" = 0 ] || die "must run as root (installs packages, starts daemons)"

# Prints the last lines of a log file to stderr, indented (used before failing).
show_log_tail() {
  [ -f "$1" ] || return 0
  printf '%s: --- last lines of %s ---\n' "${ENGINE:-engines}" "$1" >&2
  tail -n "${2:-15}" "$1" | sed 's/^/    /' >&2
}

# Runs "$@" while holding an exclusive flock on file $1 (waits up to 15 min for it). The lock
# descriptor (9) is not passed on to daemons: start_detached closes it.
with_lock() {
  local lockfile=$1
  shift
  (
    flock -w 900 9 || die "could not take the lock $lockfile within 900 s"
    "$@"
  ) 9>>"$lockfile"
}

pkg_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

missing_pkgs() {
  local p
  for p in "$@"; do pkg_installed "$p" || printf '%s\n' "$p"; done
}

# apt_install PKG...: installs the packages that are not installed yet, with
# --no-install-recommends, under the engines lock. `apt-get update` runs at most once an hour
# (stamp in $CAPSTAN_STATE_DIR), and again if an install fails on stale lists. Services that
# packages would start from their maintainer scripts (dockerd, docker-registry on :5000) are kept
# from starting with a temporary /usr/sbin/policy-rc.d when none exists: these scripts start them
# with their own settings.
apt_install() {
  [ -n "$(missing_pkgs "$@")" ] || return 0
  mkdir -p "$CAPSTAN_LOG_DIR" "$CAPSTAN_STATE_DIR"
  with_lock "$CAPSTAN_ENGINES_LOCK" _apt_install_locked "$@"
}

_apt_install_locked() {
  local missing aptlog=$CAPSTAN_LOG_DIR/apt.log stamp=$CAPSTAN_STATE_DIR/apt-updated policy=/usr/sbin/policy-rc.d
  mapfile -t missing < <(missing_pkgs "$@")
  [ ${#missing[@]} -gt 0 ] || return 0 # installed meanwhile by a concurrent run
  log "installing ${missing[*]} (apt, log $aptlog)"
  local made_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# temporary, made by capstan tools/engines while installing\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    made_policy=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  local ok=1
  if [ -z "$(find "$stamp" -mmin -60 2>/dev/null)" ]; then
    _apt_update "$aptlog" "$stamp" || ok=0
  fi
  if [ $ok = 1 ] && ! _apt_get_install "$aptlog" "${missing[@]}"; then
    log "install failed; refreshing the package lists and retrying once"
    _apt_update "$aptlog" "$stamp" && _apt_get_install "$aptlog" "${missing[@]}" || ok=0
  fi
  if [ $made_policy = 1 ]; then
    rm -f "$policy"
    trap - EXIT
  fi
  if [ $ok = 0 ]; then
    show_log_tail "$aptlog" 20
    die "apt could not install ${missing[*]}; see $aptlog"
  fi
  return 0
}

_apt_update() {
  log "apt-get update"
  printf '\n=== %s apt-get update\n' "$(date -Is)" >>"$1"
  apt-get update >>"$1" 2>&1 && touch "$2"
}

_apt_get_install() {
  local aptlog=$1
  shift
  printf '\n=== %s apt-get install %s\n' "$(date -Is)" "$*" >>"$aptlog"
  apt-get install -y --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" >>"$aptlog" 2>&1
}

# need_cmd CMD PKG: installs PKG when CMD is not on PATH (curl is not on every minimal Debian).
need_cmd() {
  command -v "$1" >/dev/null 2>&1 || apt_install "$2"
}

# start_detached LOGFILE PIDFILE CMD...: starts CMD in a new session, detached from this shell
# (stdin /dev/null, output appended to LOGFILE, lock descriptor closed), records its pid.
start_detached() {
  local logfile=$1 pidfile=$2
  shift 2
  mkdir -p "$(dirname "$logfile")" "$(dirname "$pidfile")"
  printf '\n=== %s starting: %s\n' "$(date -Is)" "$*" >>"$logfile"
  # From /: a daemon keeps its working folder for life, and one started from a folder that is later removed (a
  # worktree, a CI clone) makes every child it forks fail its getcwd (slurmstepd then writes an error into each job's
  # stderr). exec keeps $! the daemon's own pid.
  (cd / && exec setsid nohup "$@") </dev/null >>"$logfile" 2>&1 9>&- &
  echo $! >"$pidfile"
  # shellcheck disable=SC2034 # read by the sourcing script
  STARTED_PID=$!
}

# pid_alive PID [COMM]: true when PID runs (and, if given, its command name is COMM). A zombie
# does not count: where PID 1 does not reap orphans (as in some sandboxes), a killed daemon stays
# a zombie that `kill -0` still finds.
pid_alive() {
  local stat
  [ -n "${1:-}" ] && stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  case "${stat%% *}" in Z | X) return 1 ;; esac
  [ -z "${2:-}" ] || [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]
}

# wait_until WHAT LOGFILE PID CHECK...: polls CHECK every 0.2 s for up to $CAPSTAN_WAIT_SECONDS;
# fails early if PID (may be empty) exits. Failure messages name the log file.
wait_until() {
  local what=$1 logfile=$2 pid=$3
  shift 3
  local deadline=$((SECONDS + CAPSTAN_WAIT_SECONDS))
  until "$@"; do
    if [ -n "$pid" ] && ! pid_alive "$pid"; then
      show_log_tail "$logfile"
      die "$what exited before answering (pid $pid); see $logfile"
    fi
    if [ $SECONDS -ge $deadline ]; then
      show_log_tail "$logfile"
      die "$what did not answer within ${CAPSTAN_WAIT_SECONDS} s; see $logfile"
    fi
    sleep 0.2
  done
}

# write_if_changed FILE MODE: writes stdin to FILE (atomically) unless FILE already holds exactly
# that; returns 0 when it wrote, 1 when FILE was up to date.
write_if_changed() {
  local file=$1 mode=$2 tmp
  tmp=$(mktemp)
  cat >"$tmp"
  if [ -f "$file" ] && cmp -s "$tmp" "$file"; then
    rm -f "$tmp"
    return 1
  fi
  cp "$tmp" "$file.tmp.$$" && rm -f "$tmp"
  chmod "$mode" "$file.tmp.$$"
  mv -f "$file.tmp.$$" "$file"
}

# Runs a prerequisite script of this folder unless all.sh already did (CAPSTAN_ENGINES_NO_DEPS=1).
run_dep() {
  [ "${CAPSTAN_ENGINES_NO_DEPS:-0}" = 1 ] && return 0
  "$ENGINES_DIR/$1"
}

# npm_tool_install PREFIX PACKAGE VERSION LOGFILE: installs PACKAGE@VERSION from npm into its own folder PREFIX (never
# the workspace), unless that version is there. Run it under a lock: two installs into one folder break each other.
npm_tool_install() {
  local prefix=$1 package=$2 version=$3 logfile=$4
  if [ "$(node -p "require('$prefix/node_modules/$package/package.json').version" 2>/dev/null)" = "$version" ]; then return 0; fi
  log "installing $package@$version into $prefix (npm)"
  mkdir -p "$prefix"
  [ -f "$prefix/package.json" ] || printf '{ "name": "capstan-%s", "private": true }\n' "$package" >"$prefix/package.json"
  npm install --prefix "$prefix" --no-audit --no-fund --omit=dev "$package@$version" >>"$logfile" 2>&1 ||
    { show_log_tail "$logfile"; die "npm could not install $package@$version; see $logfile"; }
}

# start_node_server NAME LOGFILE PIDFILE SCRIPT PORT_VARIABLE CMD...: makes sure the server SCRIPT (run by CMD) answers,
# as the caller's `answers` and `root_status` functions tell: a server of ours already answering (its pid file's
# process runs SCRIPT) or another that answers is kept (the caller checks it further); a port something else holds
# fails naming PORT_VARIABLE; otherwise CMD is started detached and waited for.
start_node_server() {
  local name=$1 logfile=$2 pidfile=$3 script=$4 port_variable=$5 pid status
  shift 5
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if pid_alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$script"; then
    answers && return 0
  else
    answers && return 0
    status=$(root_status)
    [ "$status" = 000 ] || die "something else answers on $ADDR (HTTP $status); set $port_variable"
    log "starting $name on $ADDR (log $logfile)"
    start_detached "$logfile" "$pidfile" "$@"
    pid=$STARTED_PID
  fi
  wait_until "$name" "$logfile" "$pid" answers
}
