#!/usr/bin/env bash
# Capstan's main job, for a newcomer: installs what it needs, builds the CLI, and plans the example task.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export NX_DAEMON=false NX_NO_CLOUD=true
bash tools/lib/ensure-node-deps.sh
npx nx run cli:build --output-style=static >/dev/null
node dist/apps/cli/capstan.cjs plan examples/hello.yaml "$@"
