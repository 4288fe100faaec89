#!/usr/bin/env bash
# Installs the workspace's npm dependencies from the lockfile when they are missing or older than the lockfile, and
# makes the native addon (better-sqlite3) match the Node that runs it. Run it after `. tools/lib/ensure-node.sh`, so
# that node, npm and node-gyp's headers are the chosen Node's.
#
# `npm install`, not `npm ci`: npm 11 (11.6.2 on, npm/cli#8805) records only this platform's optional native packages
# (@swc/core-*, @nx/nx-*, @unrs/resolver-binding-*) in the lockfile, and `npm ci` then refuses the lockfile as out of
# sync. `npm install` installs the same locked versions; the lockfile's version pins still hold.
#
# Each build of the addon is kept in the user cache folder by its version and Node ABI, so that switching between the
# Node lines the tests use (24 and 22) copies a file instead of compiling SQLite again (about 1.5 min on 2 cores).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
abi="$(node -p '`${process.versions.modules}-${process.platform}-${process.arch}`')"
stamp=node_modules/.capstan-native-abi
addon=node_modules/better-sqlite3/build/Release/better_sqlite3.node
cache="${XDG_CACHE_HOME:-$HOME/.cache}/capstan/native"

cached_addon() {
  echo "$cache/better-sqlite3-$(node -p 'require("./node_modules/better-sqlite3/package.json").version')-abi$abi.node"
}

loads() { node -e 'new (require("better-sqlite3"))(":memory:").close()' 2>/dev/null; }

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ -n "${CI:-}" ]; then
  echo "capstan: installing npm dependencies with $(node --version)..."
  npm install --no-audit --no-fund --loglevel=error
fi
# npm install builds an addon only when it installs the package: one built for another Node may still be there.
if [ "$(cat "$stamp" 2>/dev/null)" != "$abi" ] || ! loads; then
  if [ -f "$(cached_addon)" ]; then cp "$(cached_addon)" "$addon"; fi
  if ! loads; then
    echo "capstan: building the native addon better-sqlite3 for $(node --version) (ABI ${abi%%-*})..."
    npm rebuild --loglevel=error better-sqlite3
    loads || { echo "capstan: better-sqlite3 does not load on $(node --version) after a rebuild" >&2; exit 1; }
  fi
  echo "$abi" >"$stamp"
fi
if [ ! -f "$(cached_addon)" ]; then
  mkdir -p "$cache"
  cp "$addon" "$(cached_addon).$$.tmp"
  mv -f "$(cached_addon).$$.tmp" "$(cached_addon)"
fi
