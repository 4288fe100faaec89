#!/usr/bin/env bash
# Installs everything the tests need, then runs lint (module boundaries included), type checks, builds and every
# test. The README's test command; .ci/run calls it as written.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_SKIP_NX_CACHE=${NX_SKIP_NX_CACHE:-${CI:+true}}

bash tools/lib/ensure-node-deps.sh
# The real engines the integration tests run against (installed and started if missing; used as they are if running).
bash tools/engines/all.sh

echo "capstan: lint, typecheck, build"
npx nx run-many -t lint typecheck build --output-style=static

echo "capstan: tests"
mkdir -p tmp
status=0
npx jest -c jest.config.cjs --ci --json --outputFile=tmp/jest-results.json "$@" || status=$?
node -e '
  const r = require("./tmp/jest-results.json");
  const skipped = r.numPendingTests + r.numTodoTests;
  console.log(`Tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
  if (r.numTotalTests === 0) { console.error("capstan: no test ran"); process.exit(1); }
' || status=1
exit "$status"
