#!/usr/bin/env bash
# A second, benchmark-only Slurm cluster for tools/benchmarks/scale.bench.ts, so that the shared one of
# tools/engines/slurm.sh (its /etc/slurm, ports 6817/6818, state, accounting) is never touched:
#   scale-slurm.sh start DIR CTLD_PORT SLURMD_PORT CPUS   writes DIR/slurm.conf, starts its slurmctld and slurmd
#   scale-slurm.sh stop DIR                               kills its jobs (up to 10 min), stops both daemons
# Every client command reaches it through SLURM_CONF=DIR/slurm.conf. One node, `scale-bench`, on this host (127.0.0.1),
# claiming CPUS CPUs and 4 TB (SlurmdParameters=config_overrides): the jobs sleep, so slots are not cores. No
# accounting (no slurmdbd), no cgroups (proctrack/linuxproc, task/none); the controller logs with millisecond times
# (LogTimeFormat=iso8601_ms), which is how the benchmark dates each job's start and end as the scheduler saw them.
# Reuses the machine's munged (started by tools/engines/slurm.sh): munge authenticates the host, not the cluster.
set -euo pipefail
die() { echo "scale-slurm.sh: $*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: scale-slurm.sh start DIR CTLD_PORT SLURMD_PORT CPUS | stop DIR"
action=$1 dir=$2
[[ "$dir" = /* ]] || die "DIR must be an absolute path, not '$dir'"
stop_pidfile() {
  local pid
  pid=$(cat "$1" 2>/dev/null || true)
  [[ "$pid" =~ ^[0-9]+$ ]] || return 0
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}
case "$action" in
  stop)
    # Jobs still there (a benchmark that failed half-way) are killed first: once slurmd is gone, their steps would
    # be orphans.
    export SLURM_CONF=$dir/slurm.conf
    if [ -f "$SLURM_CONF" ] && scontrol ping 2>/dev/null | grep -q 'is UP'; then
      scancel --full --signal=KILL --user="$(id -un)" 2>/dev/null || true
      scancel --user="$(id -un)" 2>/dev/null || true
      for _ in $(seq 600); do [ -z "$(squeue -h -o %i 2>/dev/null)" ] && break; sleep 1; done
    fi
    stop_pidfile "$dir/slurmd.pid"
    stop_pidfile "$dir/slurmctld.pid"
    exit 0 ;;
  start) ;;
  *) die "unknown action '$action'" ;;
esac
[ $# -eq 5 ] || die "usage: scale-slurm.sh start DIR CTLD_PORT SLURMD_PORT CPUS"
ctld_port=$3 slurmd_port=$4 cpus=$5
for value in "$ctld_port" "$slurmd_port" "$cpus"; do [[ "$value" =~ ^[1-9][0-9]*$ ]] || die "'$value' is not a positive number"; done
munge -n 2>/dev/null | unmunge >/dev/null 2>&1 || die "munged does not answer: start it with sudo tools/engines/slurm.sh"
mkdir -p "$dir/state" "$dir/spool"
host=$(hostname -s)
cat >"$dir/slurm.conf" <<CONF
# Written by tools/benchmarks/scale-slurm.sh for one benchmark run; removed with its folder.
ClusterName=capstanscale
SlurmctldHost=$host(127.0.0.1)
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
LogTimeFormat=iso8601_ms
SlurmctldDebug=info
SlurmdDebug=info
# Thousands of jobs at once: the scheduler looks at all of them each pass, the controller keeps up to 50,000.
MaxJobCount=50000
SchedulerParameters=sched_interval=2,bf_interval=2,batch_sched_delay=0,default_queue_depth=10000
SchedulerType=sched/backfill
# Ids of 8 digits, as on a cluster that has run for years: the length of squeue --jobs=ID,ID,... depends on it.
FirstJobId=10000000
# Slots, not cores: the node claims what it is told (config_overrides); CPUs and memory are the only resources.
SlurmdParameters=config_overrides
SelectTypeParameters=CR_CPU_Memory
SelectType=select/cons_tres
# Nothing of the shared cluster's cgroups or accounting: processes tracked by parentage, no limits enforced.
TaskPlugin=task/none
ProctrackType=proctrack/linuxproc
MpiDefault=none
ReturnToService=2
MinJobAge=300
KillWait=5
InactiveLimit=0
Waittime=0
MessageTimeout=30
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
NodeName=scale-bench NodeHostname=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=4000000 State=UNKNOWN
PartitionName=scale Nodes=ALL Default=YES MaxTime=INFINITE State=UP OverSubscribe=NO
CONF
export SLURM_CONF=$dir/slurm.conf
# -D: foreground, so the pid written is the daemon's; -i: a fresh state folder.
setsid slurmctld -D -i -f "$SLURM_CONF" >>"$dir/slurmctld.out" 2>&1 </dev/null &
echo $! >"$dir/slurmctld.pid"
for _ in $(seq 300); do scontrol ping 2>/dev/null | grep -q 'is UP' && break; sleep 0.1; done
scontrol ping 2>/dev/null | grep -q 'is UP' || die "slurmctld did not answer; see $dir/slurmctld.log"
setsid slurmd -D -N scale-bench -f "$SLURM_CONF" >>"$dir/slurmd.out" 2>&1 </dev/null &
echo $! >"$dir/slurmd.pid"
for _ in $(seq 300); do
  case "$(sinfo -h -N -n scale-bench -o '%T' 2>/dev/null)" in idle | mixed | allocated) exit 0 ;; esac
  sleep 0.1
done
die "the node scale-bench is not idle in sinfo: $(sinfo -h -N -o '%N %T' 2>&1); see $dir/slurmd.log"
