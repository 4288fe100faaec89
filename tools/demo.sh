#!/usr/bin/env bash
# Capstan's main job, for a newcomer: installs what it needs (a supported Node, npm packages; Docker Engine and a locally built test
# image when missing), builds the CLI, and runs the example task in a real container: first the plan, then the run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export NX_DAEMON=false NX_NO_CLOUD=true
. tools/lib/ensure-node.sh   # Node >= 22.12: this machine's, else the pinned Node 24 LTS, brought once into a cache
echo "capstan: running on $capstan_node_desc"
bash tools/lib/ensure-node-deps.sh
bash tools/engines/test-images.sh   # starts Docker Engine first (installing it if missing)
npx nx run cli:build --output-style=static >/dev/null
node dist/apps/cli/capstan.cjs plan examples/hello.yaml --backend docker
node dist/apps/cli/capstan.cjs run examples/hello.yaml --backend docker "$@"
