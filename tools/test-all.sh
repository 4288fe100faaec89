#!/usr/bin/env bash
# Installs everything the tests need, then runs lint (module boundaries included), type checks, builds, the API report
# check and every test. The README's test command; .ci/run calls it as written.
#
# Two passes: the whole suite on the main Node (this machine's when it is >= 22.12, else the pinned Node 24 LTS that
# tools/lib/ensure-node.sh brings), then the unit tests and the CLI's tests again on the pinned Node 22, the oldest
# line Capstan supports (NODE22_PASS=off leaves that pass out). The last line sums both passes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export NX_DAEMON=false NX_NO_CLOUD=true NX_SKIP_NX_CACHE=${NX_SKIP_NX_CACHE:-${CI:+true}}
mkdir -p tmp

# Projects whose tests need no container engine or scheduler, and the CLI: what the Node 22 pass runs.
NODE22_PROJECTS=(core-constraints cli-spec naming resource-manager process-kit cleanup engine tes-model tes-store transfer tes-runner tes-server wiring)

# Runs jest with the given arguments; writes one summary line "capstan: <label>: N passed, N failed, N skipped" and the
# counts to tmp/jest-<name>.counts. Returns jest's status.
run_jest() {
  local name=$1 label=$2 status=0
  shift 2
  npx jest --ci --json --outputFile="tmp/jest-$name.json" "$@" || status=$?
  node -e '
    const [file, label, countsFile] = process.argv.slice(1);
    const r = require(require("node:path").resolve(file));
    const skipped = r.numPendingTests + r.numTodoTests;
    console.log(`capstan: ${label}: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${skipped} skipped`);
    require("node:fs").writeFileSync(countsFile, `${r.numPassedTests} ${r.numFailedTests} ${skipped} ${r.numTotalTests}\n`);
  ' "tmp/jest-$name.json" "$label" "tmp/jest-$name.counts" || status=1
  return "$status"
}

# An explicit empty line argument: a sourced script sees this script's own arguments (jest filters) otherwise.
. tools/lib/ensure-node.sh ""
main_node=$capstan_node_desc
echo "capstan: main pass on $main_node"
bash tools/lib/ensure-node-deps.sh
# The real engines the integration tests run against (installed and started if missing; used as they are if running).
bash tools/engines/all.sh

echo "capstan: lint, typecheck, build"
npx nx run-many -t lint typecheck build --output-style=static

# Every library's public API against its checked-in report (libs/*/api/*.api.md); `npm run api:update` rewrites them.
echo "capstan: API reports"
node tools/api/api-reports.mjs
# Versions and changelogs come from nx release (nx.json "release"); a dry run proves its config still resolves every
# package. The packages themselves are built, packed and installed by tools/packages' tests.
# Commit messages from the commit that added the check on (nx release reads them for versions and changelogs).
echo "capstan: commit messages"
node tools/commits/check-commits.mjs
echo "capstan: nx release dry run"
npx nx release --dry-run --first-release --skip-publish >tmp/release-dry-run.log 2>&1 || {
  tail -n 40 tmp/release-dry-run.log
  exit 1
}

echo "capstan: tests ($main_node)"
status=0
rm -f tmp/jest-*.counts
run_jest main "tests on $main_node" -c jest.config.cjs "$@" || status=$?

if [ "${NODE22_PASS:-on}" != off ] && [ $# -eq 0 ]; then
  (
    . tools/lib/ensure-node.sh 22
    echo "capstan: unit and CLI tests again on $capstan_node_desc"
    bash tools/lib/ensure-node-deps.sh
    run_jest node22 "unit and CLI tests on $capstan_node_desc" --selectProjects "${NODE22_PROJECTS[@]}" cli workspace-checks -c jest.config.cjs
  ) || status=1
  # Leave the native addons built for the main Node again (a cached copy: no rebuild).
  bash tools/lib/ensure-node-deps.sh >/dev/null
fi

node -e '
  const fs = require("node:fs");
  let passed = 0, failed = 0, skipped = 0, total = 0;
  for (const file of fs.readdirSync("tmp").filter((name) => /^jest-.*\.counts$/.test(name))) {
    const [p, f, s, t] = fs.readFileSync(`tmp/${file}`, "utf8").trim().split(" ").map(Number);
    passed += p; failed += f; skipped += s; total += t;
  }
  console.log(`Tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
  if (total === 0) { console.error("capstan: no test ran"); process.exit(1); }
' || status=1
exit "$status"
