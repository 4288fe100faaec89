#!/usr/bin/env bash
# Builds Capstan's test images locally, without any registry, and imports them into Docker:
#   capstan-test/busybox:1  /bin/busybox (static) + a symlink for every applet it provides
#   capstan-test/bash:1     the same plus the host's /bin/bash and the shared libraries it needs
# Both have /etc/passwd and /etc/group with root (0), capstan (1000, home /home/capstan) and
# nobody (65534, group nogroup), /tmp with mode 1777, WORKDIR /, and a PATH.
#
# The rootfs tarballs are made reproducibly (sorted, fixed mtime, numeric owners), so the
# sha256 of a tarball plus the image settings identifies the image; it is stored as the label
# io.capstan.test-image-hash and an image whose label matches is left alone. The tarballs are
# kept in $CAPSTAN_STATE_DIR/test-images/ (for other engines to import).
#
# Environment (optional, besides those of lib.sh):
#   CAPSTAN_TEST_BUSYBOX_IMAGE  default capstan-test/busybox:1
#   CAPSTAN_TEST_BASH_IMAGE     default capstan-test/bash:1
set -euo pipefail
ENGINE=test-images
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BUSYBOX_IMAGE=${CAPSTAN_TEST_BUSYBOX_IMAGE:-capstan-test/busybox:1}
BASH_IMAGE=${CAPSTAN_TEST_BASH_IMAGE:-capstan-test/bash:1}
OUT_DIR=$CAPSTAN_STATE_DIR/test-images
HASH_LABEL=io.capstan.test-image-hash
# Applets the tests rely on; the build fails if busybox lacks one (every other applet is linked too).
REQUIRED_APPLETS="sh ls cat echo id chown sleep mkdir env head tail wc true false dd touch rm stat find yes seq
printf test kill grep sed awk tr cut sort md5sum sha256sum cp mv chmod ln pwd whoami nproc timeout tee readlink
basename dirname date uname hostname mount xargs du df ps"
# (Debian's busybox-static 1.35 has no cksum applet; it has crc32, md5sum, sha1sum, sha256sum, sha512sum.)

run_dep docker.sh

# A static busybox: the busybox-static package, unless the (dynamic) busybox package is installed,
# which conflicts with it; then the static binary is taken out of the downloaded .deb instead.
find_busybox() {
  if pkg_installed busybox-static; then
    BUSYBOX=/bin/busybox
  elif pkg_installed busybox; then
    BUSYBOX=$OUT_DIR/busybox-static/bin/busybox
    if [ ! -x "$BUSYBOX" ]; then
      log "the busybox package is installed (conflicts with busybox-static): extracting busybox-static's binary"
      local tmp aptlog=$CAPSTAN_LOG_DIR/apt.log
      tmp=$(mktemp -d)
      mkdir -p "$CAPSTAN_LOG_DIR"
      (cd "$tmp" && apt-get download busybox-static >>"$aptlog" 2>&1) ||
        { apt-get update >>"$aptlog" 2>&1 && (cd "$tmp" && apt-get download busybox-static >>"$aptlog" 2>&1); } ||
        die "could not download busybox-static; see $aptlog"
      dpkg -x "$tmp"/busybox-static_*.deb "$tmp/x"
      mkdir -p "$OUT_DIR/busybox-static/bin"
      cp "$tmp/x/bin/busybox" "$BUSYBOX"
      rm -rf "$tmp"
    fi
  else
    apt_install busybox-static
    BUSYBOX=/bin/busybox
  fi
  if ldd "$BUSYBOX" >/dev/null 2>&1; then die "$BUSYBOX is not a static binary"; fi
}

# make_rootfs DIR SHELL: the common rootfs (busybox, users, directories).
make_rootfs() {
  local root=$1 shell=$2 a
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc,proc,sys,dev,run,var/tmp,root,home/capstan,tmp}
  cp "$BUSYBOX" "$root/bin/busybox"
  chmod 755 "$root/bin/busybox"
  # One symlink to /bin/busybox per applet, at the applet's usual place (`busybox --list-full`);
  # run inside the rootfs so that the links point at its /bin/busybox (one process, not 269 ln).
  if ! chroot "$root" /bin/busybox --install -s 2>/dev/null; then # e.g. a noexec work dir
    local applet
    for applet in $("$BUSYBOX" --list-full); do
      [ -e "$root/$applet" ] || [ -L "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
    done
  fi
  for a in $REQUIRED_APPLETS; do
    [ -e "$root/bin/$a" ] || [ -e "$root/usr/bin/$a" ] || [ -e "$root/sbin/$a" ] || [ -e "$root/usr/sbin/$a" ] ||
      die "busybox ($BUSYBOX) has no '$a' applet"
  done
  cat >"$root/etc/passwd" <<EOF
root:x:0:0:root:/root:$shell
capstan:x:1000:1000:capstan:/home/capstan:$shell
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
  cat >"$root/etc/group" <<'EOF'
root:x:0:
capstan:x:1000:
nogroup:x:65534:
EOF
  printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n' >"$root/etc/nsswitch.conf"
  chmod 644 "$root/etc/passwd" "$root/etc/group" "$root/etc/nsswitch.conf"
  chmod 1777 "$root/tmp" "$root/var/tmp"
  chmod 700 "$root/root"
  chown 1000:1000 "$root/home/capstan"
}

# add_bash DIR: the host's bash and every shared library `ldd` lists for it, at the same paths.
add_bash() {
  local root=$1 bash lib
  bash=$(readlink -f /bin/bash)
  cp "$bash" "$root/bin/bash"
  chmod 755 "$root/bin/bash"
  for lib in $(ldd "$bash" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
}

# build NAME KIND: makes the tarball, imports it unless an image with the same hash exists.
build() {
  local name=$1 kind=$2 work=$WORK/$2 hash current cmd shell=/bin/sh
  if [ "$kind" = bash ]; then shell=/bin/bash; fi
  cmd="[\"${shell##*/}\"]"
  local -a changes=(
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    "WORKDIR /"
    "CMD $cmd"
  )
  make_rootfs "$work/rootfs" "$shell"
  if [ "$kind" = bash ]; then add_bash "$work/rootfs"; fi
  tar --sort=name --mtime=@0 --numeric-owner --format=gnu -C "$work/rootfs" -cf "$work/rootfs.tar" .
  hash=$( { sha256sum <"$work/rootfs.tar"; printf '%s\n' "${changes[@]}"; } | sha256sum | cut -c1-64)
  mkdir -p "$OUT_DIR"
  cmp -s "$work/rootfs.tar" "$OUT_DIR/$kind.tar" ||
    { cp "$work/rootfs.tar" "$OUT_DIR/$kind.tar.tmp" && mv -f "$OUT_DIR/$kind.tar.tmp" "$OUT_DIR/$kind.tar"; }
  current=$(docker image inspect --format "{{ index .Config.Labels \"$HASH_LABEL\" }}" "$name" 2>/dev/null || true)
  if [ "$current" = "$hash" ]; then
    log "$name is up to date (hash ${hash:0:12})"
    return 0
  fi
  local -a args=()
  local c
  for c in "${changes[@]}" "LABEL $HASH_LABEL=$hash"; do args+=(--change "$c"); done
  local old_id
  old_id=$(docker image inspect --format '{{.Id}}' "$name" 2>/dev/null || true)
  docker import "${args[@]}" "$work/rootfs.tar" "$name" >/dev/null
  [ -z "$old_id" ] || docker rmi "$old_id" >/dev/null 2>&1 || true # only if now untagged and unused
  local size
  size=$(du -k "$work/rootfs.tar" | cut -f1)
  log "imported $name (${size} KiB rootfs, hash ${hash:0:12})"
  local out
  out=$(docker run --rm --network none "$name" "${shell##*/}" -c 'echo ok' 2>&1) ||
    die "$name does not run: $out"
  [ "$out" = ok ] || die "$name printed '$out' instead of 'ok'"
  log "$name runs (${shell##*/} -c 'echo ok' printed ok)"
}

images() {
  # Build in tmpfs when there is one: making ~600 small files is ~100 times faster there than
  # on this kind of VM's ext4 (0.25 s vs 2.5 ms for the applet links alone).
  if [ -d /dev/shm ] && [ -w /dev/shm ]; then WORK=$(mktemp -d -p /dev/shm); else WORK=$(mktemp -d); fi
  trap 'rm -rf "$WORK"' EXIT
  find_busybox
  build "$BUSYBOX_IMAGE" busybox
  build "$BASH_IMAGE" bash
}
mkdir -p "$CAPSTAN_STATE_DIR"
with_lock "$CAPSTAN_ENGINES_LOCK.images" images
