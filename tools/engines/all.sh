#!/usr/bin/env bash
# Everything Capstan's tests and demo need from container engines, in order. Each step is
# idempotent: it installs only what is missing, starts only what does not answer.
# Environment: see the header of each script (and lib.sh for the shared variables).
set -euo pipefail
ENGINE=engines
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export CAPSTAN_ENGINES_NO_DEPS=1 # run in order here, so the scripts need not run their prerequisites
total_start=$(date +%s.%N)
for step in docker.sh test-images.sh registry.sh test-user.sh shells.sh swarm.sh podman.sh apptainer.sh slurm.sh gridengine.sh sshd.sh chromium.sh s3.sh azurite.sh; do
  start=$(date +%s.%N)
  "$ENGINES_DIR/$step"
  log "$step done in $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
done
log "all done in $(awk -v a="$total_start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }') s"
