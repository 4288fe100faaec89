#!/usr/bin/env bash
# Installs the workspace's npm dependencies from the lockfile when they are missing or older than the lockfile.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ -n "${CI:-}" ]; then
  echo "capstan: installing npm dependencies (npm ci)..."
  npm ci --no-audit --no-fund --loglevel=error
fi
