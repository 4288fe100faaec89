#!/usr/bin/env bash
# Installs the workspace's npm dependencies from the lockfile when they are missing or older than the lockfile.
#
# `npm install`, not `npm ci`: npm 11 (11.6.2 on, npm/cli#8805) records only this platform's optional native packages
# (@swc/core-*, @nx/nx-*, @unrs/resolver-binding-*) in the lockfile, and `npm ci` then refuses the lockfile as out of
# sync. `npm install` installs the same locked versions; the lockfile's version pins still hold.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ -n "${CI:-}" ]; then
  echo "capstan: installing npm dependencies..."
  npm install --no-audit --no-fund --loglevel=error
fi
