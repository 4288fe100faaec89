#!/usr/bin/env bash
# Makes sure Apptainer runs: Debian 12 packages none, so this installs Debian sid's apptainer with a
# private copy of Debian 13's glibc (apptainer 1.4 needs glibc >= 2.38, bookworm has 2.36), leaving the
# system's glibc alone:
#   1. a private apt configuration (sources, lists, cache under $CAPSTAN_STATE_DIR/apptainer/apt; /etc/apt
#      is never touched) with trixie and sid, used only to download four .debs;
#   2. patchelf, squashfs-tools, uidmap, containernetworking-plugins from bookworm (ordinary apt);
#   3. libc6, libseccomp2, libsqlite3-0 (trixie) unpacked into $GLIBC_DIR; apptainer (sid) unpacked to /,
#      its two ELF programs (apptainer, starter) patched to use $GLIBC_DIR's loader and libraries;
#   4. /usr/bin/singularity -> apptainer when nothing has that name (what Debian's alternative does).
# Skipped when `apptainer --version` already works. Then (always, cheaply) a SIF of the busybox test image,
# $CAPSTAN_STATE_DIR/test-images/busybox.sif, is (re)built when its tarball changed, and `apptainer exec` of
# it is checked as root (with --no-privs: see below) and as the test user when there is one.
#
# Root in some sandboxes lacks CAP_SYS_RESOURCE: apptainer's default root mode then fails ("Requesting
# capability set ... while permitted capability set is ..."). This script says so; Capstan's apptainer backend
# runs root's tasks with --no-privs (or --drop-caps), and ordinary users run in user-namespace mode.
#
# Environment (optional, besides those of lib.sh):
#   CAPSTAN_APPTAINER_GLIBC_DIR  where the private glibc goes (default /opt/apptainer-glibc)
#   CAPSTAN_DEBIAN_MIRROR        default http://deb.debian.org/debian
#   CAPSTAN_TEST_USER            the non-root user checked too (default capstan-runner; skipped if absent)
# Files installed are listed in $CAPSTAN_STATE_DIR/apptainer/installed-files (to uninstall: remove them and
# $GLIBC_DIR). Log: $CAPSTAN_LOG_DIR/apt.log.
set -euo pipefail
ENGINE=apptainer
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

GLIBC_DIR=${CAPSTAN_APPTAINER_GLIBC_DIR:-/opt/apptainer-glibc}
MIRROR=${CAPSTAN_DEBIAN_MIRROR:-http://deb.debian.org/debian}
TEST_USER=${CAPSTAN_TEST_USER:-capstan-runner}
STATE=$CAPSTAN_STATE_DIR/apptainer
APT_DIR=$STATE/apt
APTLOG=$CAPSTAN_LOG_DIR/apt.log
IMAGES=$CAPSTAN_STATE_DIR/test-images
SIF=$IMAGES/busybox.sif
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
# package/suite pairs fetched with the private apt configuration
DEBS="apptainer/sid libc6/trixie libseccomp2/trixie libsqlite3-0/trixie"

run_dep test-images.sh
run_dep test-user.sh

apptainer_works() { apptainer --version >/dev/null 2>&1; }

private_apt() { # private_apt apt-get|apt-cache ARGS...: apt with only trixie and sid, state of its own
  local tool=$1
  shift
  "$tool" -o Dir::Etc::sourcelist="$APT_DIR/sources.list" -o Dir::Etc::sourceparts=- \
    -o Dir::State::Lists="$APT_DIR/lists" -o Dir::Cache="$APT_DIR/cache" -o APT::Sandbox::User=root "$@"
}

private_apt_update() {
  log "apt-get update (private configuration: trixie, sid)"
  printf '\n=== %s private apt-get update (apptainer)\n' "$(date -Is)" >>"$APTLOG"
  private_apt apt-get update >>"$APTLOG" 2>&1 && touch "$APT_DIR/updated"
}

download_debs() { # download_debs DIR
  # shellcheck disable=SC2086 # DEBS is a word list
  (cd "$1" && printf '\n=== %s apt-get download %s\n' "$(date -Is)" "$DEBS" >>"$APTLOG" &&
    private_apt apt-get download $DEBS >>"$APTLOG" 2>&1)
}

install_apptainer() {
  apptainer_works && return 0 # installed meanwhile by a concurrent run
  apt_install patchelf squashfs-tools uidmap containernetworking-plugins
  mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" "$CAPSTAN_LOG_DIR"
  write_if_changed "$APT_DIR/sources.list" 644 <<EOF || true
deb [signed-by=$KEYRING] $MIRROR trixie main
deb [signed-by=$KEYRING] $MIRROR sid main
EOF
  local scratch
  scratch=$(mktemp -d /tmp/capstan-apptainer.XXXXXX)
  # shellcheck disable=SC2064 # expand now: the folder is local
  trap "rm -rf '$scratch'" EXIT
  mkdir -p "$scratch/debs" "$scratch/libs" "$scratch/root"
  if [ -z "$(find "$APT_DIR/updated" -mmin -60 2>/dev/null)" ]; then
    private_apt_update || { show_log_tail "$APTLOG" 20; die "apt-get update (trixie, sid) failed; see $APTLOG"; }
  fi
  if ! download_debs "$scratch/debs"; then
    log "download failed; refreshing the private package lists and retrying once"
    if ! private_apt_update || ! download_debs "$scratch/debs"; then
      show_log_tail "$APTLOG" 20
      die "could not download $DEBS; see $APTLOG"
    fi
  fi
  local deb
  for deb in "$scratch"/debs/libc6_*.deb "$scratch"/debs/libseccomp2_*.deb "$scratch"/debs/libsqlite3-0_*.deb; do
    dpkg -x "$deb" "$scratch/libs"
  done
  dpkg -x "$scratch"/debs/apptainer_*.deb "$scratch/root"
  mkdir -p "$GLIBC_DIR"
  cp -a "$scratch/libs/usr/lib/x86_64-linux-gnu/." "$GLIBC_DIR/"
  local elf
  for elf in usr/bin/apptainer usr/lib/x86_64-linux-gnu/apptainer/bin/starter; do
    # --force-rpath: an RPATH (unlike a RUNPATH) also serves libsqlite's own need of libm.
    patchelf --set-interpreter "$GLIBC_DIR/ld-linux-x86-64.so.2" --force-rpath --set-rpath "$GLIBC_DIR" "$scratch/root/$elf"
  done
  mkdir -p "$STATE"
  (cd "$scratch/root" && find . \( -type f -o -type l \) | sed 's|^\.||') >"$STATE/installed-files"
  cp -a "$scratch/root/." /
  if [ ! -e /usr/bin/singularity ] && [ ! -L /usr/bin/singularity ]; then
    ln -s apptainer /usr/bin/singularity
    echo /usr/bin/singularity >>"$STATE/installed-files"
  fi
  echo "$GLIBC_DIR" >>"$STATE/installed-files"
  rm -rf "$scratch"
  trap - EXIT
  apptainer_works || die "apptainer was installed but 'apptainer --version' fails: $(apptainer --version 2>&1 | head -n 3)"
}

start=$(date +%s.%N)
if apptainer_works; then
  log "$(apptainer --version) already works ($(command -v apptainer))"
else
  with_lock "$CAPSTAN_ENGINES_LOCK.apptainer" install_apptainer
  log "installed $(apptainer --version) in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s (private glibc in $GLIBC_DIR)"
fi

# What root may do here: apptainer's default root mode asks for the full capability set.
cap_prm=$(sed -n 's/^CapPrm:[[:space:]]*//p' /proc/self/status)
cap_last=$(cat /proc/sys/kernel/cap_last_cap)
cap_missing=$(((1 << (cap_last + 1)) - 1 & ~0x$cap_prm))
if [ "$cap_missing" != 0 ]; then
  names=
  [ $((cap_missing >> 24 & 1)) = 1 ] && names="CAP_SYS_RESOURCE"
  log "root's permitted capabilities (0x$cap_prm) lack $(printf '0x%x' "$cap_missing") (${names:-see capability(7)})" \
    "- apptainer must run root's containers with --no-privs or --drop-caps (Capstan's backend does)"
fi

# The busybox test image as a SIF (for tests and this check), rebuilt when its tarball changes.
build_sif() {
  local tar=$IMAGES/busybox.tar stamp=$IMAGES/busybox.sif.source-sha256 sum tmp
  [ -f "$tar" ] || die "$tar is missing; run tools/engines/test-images.sh"
  sum=$(sha256sum "$tar" | cut -d' ' -f1)
  [ -f "$SIF" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sum" ] && return 0
  tmp=$(mktemp -d /dev/shm/capstan-sif.XXXXXX 2>/dev/null || mktemp -d)
  tar -C "$tmp" -xf "$tar"
  if ! apptainer -q build -F "$SIF.tmp" "$tmp" >>"$CAPSTAN_LOG_DIR/apptainer-build.log" 2>&1; then
    rm -rf "$tmp" "$SIF.tmp"
    show_log_tail "$CAPSTAN_LOG_DIR/apptainer-build.log"
    die "apptainer build of $SIF failed; see $CAPSTAN_LOG_DIR/apptainer-build.log"
  fi
  rm -rf "$tmp"
  chmod 644 "$SIF.tmp"
  mv -f "$SIF.tmp" "$SIF"
  echo "$sum" >"$stamp"
  log "built $SIF"
}
mkdir -p "$CAPSTAN_LOG_DIR"
with_lock "$CAPSTAN_ENGINES_LOCK.apptainer" build_sif

out=$(apptainer -q exec --no-privs --containall "$SIF" echo ok 2>&1) || true
[ "$out" = ok ] || die "'apptainer exec --no-privs $SIF echo ok' printed: $out"
checked="root (--no-privs)"
if id -u "$TEST_USER" >/dev/null 2>&1; then
  out=$(cd / && su -s /bin/sh "$TEST_USER" -c "apptainer -q exec --containall '$SIF' id -un" 2>&1) || true
  [ "$out" = "$TEST_USER" ] || die "'apptainer exec' as $TEST_USER (user namespace) printed: $out"
  checked="$checked and $TEST_USER (user namespace)"
fi
log "apptainer exec works as $checked; done in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
