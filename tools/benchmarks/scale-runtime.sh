#!/bin/sh
# A stand-in for `apptainer` in the jobs of tools/benchmarks/scale.bench.ts (slurm.runtimeBinary), for sizes where
# the real one cannot go: as root, Apptainer gives every running container its own loop device, and this machine's
# apptainer.conf allows 256 (max loop devices, shared loop devices = no). It takes the job script's
# `apptainer -q exec ... --mount type=bind,src=HOST,dst=GUEST ... IMAGE SHELL COMMAND_FILE` and runs the task's command
# file on the host, in its work folder, with no container: what Capstan does (submit, poll, cancel) is unchanged.
shell= file= work=
prev=
for arg in "$@"; do
  if [ "$prev" = --mount ]; then
    src=$(printf '%s\n' "$arg" | sed -n 's/.*src=\([^,]*\).*/\1/p')
    dst=$(printf '%s\n' "$arg" | sed -n 's/.*dst=\([^,]*\).*/\1/p')
    case "$dst" in
      /mnt/task/work) work=$src ;;
    esac
    eval "mount_$(printf '%s' "$dst" | tr -c 'A-Za-z0-9' _)=\$src"
  fi
  prev=$arg
  shell=$file
  file=$arg
done
key=$(printf '%s' "$file" | tr -c 'A-Za-z0-9' _)
eval "host=\${mount_$key:-}"
[ -n "$host" ] || { echo "scale-runtime.sh: no --mount for $file" >&2; exit 127; }
[ -z "$work" ] || cd "$work" || exit 126
exec "$shell" "$host"
