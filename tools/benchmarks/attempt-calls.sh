#!/bin/bash
# One attempt's span per backend, two CLIs interleaved: from the configuration's read to the process's exit (the
# backend's calls, the engine's set-up and the task; the module loading before it is left out), stamped by
# attempt-calls.trace.cjs. Medians. Not a test (issue 12, docs/benchmarks.md "One attempt's calls").
#   bash tools/benchmarks/attempt-calls.sh BEFORE_CLI AFTER_CLI [rounds=9]
# Each CLI is a bundle (node tools/bundle-app.mjs apps/cli/src/bin.ts OUT/capstan.cjs, in its checkout).
before=$1 after=$2 rounds=${3:-9}
set --
. "$(dirname "$0")/../lib/ensure-node.sh" >/dev/null
trace="$(cd "$(dirname "$0")" && pwd)/attempt-calls.trace.cjs"
work=$(mktemp -d /tmp/capstan-attempt-calls-XXXX)
export XDG_CACHE_HOME=$work/cache
span() { # cli backend image
  node -r "$trace" "$1" run --backend "$2" --image "$3" --shell sh --work-root "$work/runs" -- true 2>&1 >/dev/null |
    awk '/config read/ {s=$2} / exit$/ {e=$2} END {gsub("ms]","",s); gsub("ms]","",e); printf "%.0f", e-s}'
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "attempt-calls: $rounds rounds; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for entry in docker:capstan-test/busybox:1 podman:localhost/capstan-test/busybox:1 apptainer:/var/lib/capstan/test-images/busybox.sif; do
  backend=${entry%%:*} image=${entry#*:}
  span "$before" "$backend" "$image" >/dev/null; span "$after" "$backend" "$image" >/dev/null # warm-up: fills the caches
  b="" a=""
  for _ in $(seq "$rounds"); do b="$b $(span "$before" "$backend" "$image")"; a="$a $(span "$after" "$backend" "$image")"; done
  echo "$backend: before median $(echo "$b" | median) ms ($b ), after median $(echo "$a" | median) ms ($a )"
done
echo "load average at the end $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$work"
