#!/usr/bin/env bash
# Builds capstan-test/cli:1, an image holding Capstan's CLI, locally and without any registry (docker import of a
# rootfs assembled here), for the sibling-container tests (Capstan in a container, the host's Docker socket mounted):
#   - the busybox test rootfs ($CAPSTAN_STATE_DIR/test-images/busybox.tar, made by test-images.sh): sh and friends;
#   - this machine's node binary and every shared library `ldd` lists for it, at the same paths;
#   - the CLI bundle /opt/capstan/capstan.cjs, built from the working tree as dist/apps/cli/capstan.cjs is
#     (tools/bundle-app.mjs apps/cli/src/bin.ts), but into a private folder, so that a concurrent user of dist/
#     never reads a half-written file;
#   - the npm packages the bundle requires: it keeps npm packages external, and node resolves them from the folder
#     next to it, so /opt/capstan/node_modules holds each required package and its dependencies (type-only
#     @types/* left out), copied from the workspace's node_modules with their own nested node_modules;
#   - /usr/local/bin/capstan running the bundle with node.
# The rootfs tarball is reproducible (sorted, fixed mtime, numeric owners); its sha256 is stored as the label
# io.capstan.test-image-hash, and an image whose label matches is left alone.
#
# Environment (optional, besides those of lib.sh):
#   CAPSTAN_TEST_CLI_IMAGE  default capstan-test/cli:1
#   CAPSTAN_NODE            the node binary to copy (default: the one on PATH)
set -euo pipefail
ENGINE=cli-image
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

IMAGE=${CAPSTAN_TEST_CLI_IMAGE:-capstan-test/cli:1}
ROOT=$(cd "$ENGINES_DIR/../.." && pwd)
BUSYBOX_TAR=$CAPSTAN_STATE_DIR/test-images/busybox.tar
HASH_LABEL=io.capstan.test-image-hash

run_dep test-images.sh
[ -f "$BUSYBOX_TAR" ] || die "$BUSYBOX_TAR is missing; run tools/engines/test-images.sh"
NODE=$(readlink -f "${CAPSTAN_NODE:-$(command -v node)}") || die "no node on PATH"

# The npm packages the bundle requires, and theirs, as folders relative to $ROOT (resolved as node would, from the
# requiring package's folder upwards).
package_folders() {
  node - "${BUNDLE%.cjs}.main.mjs" "$ROOT" <<'EOF'
const { readFileSync, readdirSync, existsSync } = require('node:fs');
const { builtinModules } = require('node:module');
const { dirname, join, relative } = require('node:path');
const [bundle, root] = process.argv.slice(2);
const builtins = new Set(builtinModules);
const wanted = new Set();
// The entry and its chunks: ES imports (static and dynamic: packages imported at first use), and the requires of the CommonJS packages bundled in them (docker-modem).
const chunks = bundle.replace(/\.main\.mjs$/, '.chunks');
const files = [bundle, ...readdirSync(chunks).filter((name) => name.endsWith('.mjs')).map((name) => join(chunks, name))];
const text = files.map((file) => readFileSync(file, 'utf8')).join('\n');
for (const match of text.matchAll(/(?:require\(|import\(|from |import )"([^".][^"]*)"/g)) {
  const name = match[1].startsWith('@') ? match[1].split('/').slice(0, 2).join('/') : match[1].split('/')[0];
  if (!name.startsWith('node:') && !builtins.has(name)) wanted.add(name);
}
// Packages the CLI reads as files at run time (the report inlines uplot's script and CSS by path), found by a path
// into one of the CLI's declared dependencies in the bundle's text.
const declared = Object.keys(JSON.parse(readFileSync(join(root, 'apps/cli/package.json'), 'utf8')).dependencies ?? {});
for (const name of declared) if (['`', '"', "'"].some((quote) => text.includes(`${quote}${name}/`))) wanted.add(name);
const folders = new Set();
const visit = (name, from) => {
  if (name.startsWith('@types/')) return;
  for (let dir = from; ; dir = dirname(dir)) {
    const folder = join(dir, 'node_modules', name);
    if (existsSync(join(folder, 'package.json'))) {
      if (folders.has(folder)) return;
      folders.add(folder);
      const pkg = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'));
      for (const dependency of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) visit(dependency, folder);
      return;
    }
    if (dir === dirname(dir)) throw new Error(`cannot find the package ${name} (needed from ${from})`);
  }
};
for (const name of wanted) visit(name, root);
// A package nested in another's node_modules comes along with that package.
const list = [...folders].filter((folder) => ![...folders].some((other) => other !== folder && folder.startsWith(`${other}/`)));
console.log(list.map((folder) => relative(root, folder)).sort().join('\n'));
EOF
}

build() {
  local work rootfs hash current lib
  if [ -d /dev/shm ] && [ -w /dev/shm ]; then work=$(mktemp -d -p /dev/shm); else work=$(mktemp -d); fi
  # shellcheck disable=SC2064 # expand now: the folder is local
  trap "rm -rf '$work'" EXIT
  rootfs=$work/rootfs
  BUNDLE=$work/capstan.cjs
  (cd "$ROOT" && node tools/bundle-app.mjs apps/cli/src/bin.ts "$BUNDLE") || die "bundling the CLI failed"
  mkdir -p "$rootfs"
  tar -C "$rootfs" -xf "$BUSYBOX_TAR"
  mkdir -p "$rootfs/usr/local/bin" "$rootfs/opt/capstan"
  cp "$NODE" "$rootfs/usr/local/bin/node"
  for lib in $(ldd "$NODE" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }'); do
    mkdir -p "$rootfs$(dirname "$lib")"
    cp -L "$lib" "$rootfs$lib"
  done
  cp "$BUNDLE" "$rootfs/opt/capstan/capstan.cjs"
  # The launcher imports capstan.main.mjs, which imports its chunks (one per command) from capstan.chunks/.
  cp "${BUNDLE%.cjs}.main.mjs" "$rootfs/opt/capstan/capstan.main.mjs"
  cp -r "${BUNDLE%.cjs}.chunks" "$rootfs/opt/capstan/capstan.chunks"
  # shellcheck disable=SC2046 # one folder per line, no spaces in package paths
  (cd "$ROOT" && cp -a --parents $(package_folders) "$rootfs/opt/capstan/") || die "copying the CLI's npm packages failed"
  printf '#!/bin/sh\nexec /usr/local/bin/node /opt/capstan/capstan.cjs "$@"\n' >"$rootfs/usr/local/bin/capstan"
  chmod 755 "$rootfs/usr/local/bin/capstan" "$rootfs/usr/local/bin/node"
  tar --sort=name --mtime=@0 --numeric-owner --format=gnu -C "$rootfs" -cf "$work/rootfs.tar" .
  local -a changes=("ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" "WORKDIR /" 'CMD ["capstan", "--help"]')
  hash=$( { sha256sum <"$work/rootfs.tar"; printf '%s\n' "${changes[@]}"; } | sha256sum | cut -c1-64)
  current=$(docker image inspect --format "{{ index .Config.Labels \"$HASH_LABEL\" }}" "$IMAGE" 2>/dev/null || true)
  if [ "$current" = "$hash" ]; then
    log "$IMAGE is up to date (hash ${hash:0:12})"
    return 0
  fi
  local -a args=()
  local c old_id
  for c in "${changes[@]}" "LABEL $HASH_LABEL=$hash"; do args+=(--change "$c"); done
  old_id=$(docker image inspect --format '{{.Id}}' "$IMAGE" 2>/dev/null || true)
  docker import "${args[@]}" "$work/rootfs.tar" "$IMAGE" >/dev/null
  [ -z "$old_id" ] || docker rmi "$old_id" >/dev/null 2>&1 || true # only if now untagged and unused
  local out
  if ! out=$(docker run --rm --network none "$IMAGE" capstan --help 2>&1) || [[ "$out" != *"Usage: capstan"* ]]; then
    docker rmi "$IMAGE" >/dev/null 2>&1 || true # so that the next run builds it again
    die "$IMAGE does not run 'capstan --help': $out"
  fi
  log "imported $IMAGE ($(du -k "$work/rootfs.tar" | cut -f1) KiB rootfs, hash ${hash:0:12}); capstan --help runs in it"
}
mkdir -p "$CAPSTAN_STATE_DIR"
with_lock "$CAPSTAN_ENGINES_LOCK.cli-image" build
