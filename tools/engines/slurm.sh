#!/usr/bin/env bash
# Slurm on this one machine, standing in for a cluster, for Capstan's slurm backend: installs Debian's slurm-wlm
# (22.05) and munge if missing, writes /etc/slurm/slurm.conf (and cgroup.conf), starts munged, slurmctld and slurmd
# if they do not answer, and waits until `sinfo` shows the node idle. Safe to run again: a running cluster whose
# configuration is unchanged is left alone; a changed configuration restarts the daemons this script started.
#
# The configuration, and why:
#   - one node, this host, in two partitions: `debug` (the default, no time limit) and `short` (MaxTime 30 min), so
#     that the backend's partition rules can be tested against real partitions;
#   - the node claims $CAPSTAN_SLURM_CPUS CPUs (default 4 x the real count, with SlurmdParameters=config_overrides):
#     test jobs mostly sleep or echo, and on a 2-core CI machine 2 job slots would serialise them. RealMemory is the
#     real memory less 2 GiB for the system;
#   - latency for short jobs: jobs are scheduled at submit time (no `defer`), the main loop runs every 2 s and the
#     backfill loop every 2 s (defaults 60 s and 30 s), batch_sched_delay=0, KillWait=5 s between SIGTERM and SIGKILL
#     on cancel and timeout (default 30 s), and ended jobs leave the controller's memory after MinJobAge=300 s;
#   - finished jobs' states: `squeue --states=all` and `scontrol show job` show a job, with its state and ExitCode,
#     until MinJobAge after its end, which is how the Capstan backend reads them (one squeue per poll for all its
#     jobs). jobcomp/filetxt also logs every ended job to $SLURM_LOG_DIR/jobcomp.log, for people;
#   - job accounting, for what each job used (`sstat` while it runs, `sacct` after its end): slurmdbd on a local
#     MariaDB. Slurm 22.05 has no other accounting storage (accounting_storage/filetxt is long gone; sacct answers only
#     through slurmdbd). MariaDB listens on its socket alone (skip-networking) and slurmdbd logs in as root through
#     unix_socket authentication: no password to keep anywhere. The cluster is registered with sacctmgr.
#     JobAcctGatherType=jobacct_gather/cgroup when task/cgroup works here (it reads the step's cgroup: memory.stat's
#     RSS, cpuacct, so processes that already ended count), else jobacct_gather/linux (per process from /proc); every
#     second (JobAcctGatherFrequency=task=1): MaxRSS is the highest sampled value, so a slower rate misses short peaks.
#     sstat shows CPU time in whole seconds; sacct's UserCPU/SystemCPU (the step's rusage) have milliseconds;
#   - processes: proctrack/linuxproc and task/none unless the cgroup plugins work here (CAPSTAN_SLURM_CGROUP=auto,
#     the default, tries task/cgroup with ConstrainRAMSpace; see below), SlurmUser=root (the daemons run as root).
#
# Environment (optional, besides those of lib.sh):
#   CAPSTAN_SLURM_CPUS    CPUs the node claims (default 4 x nproc)
#   CAPSTAN_SLURM_CGROUP  auto (default): enforce job memory with task/cgroup when a job can be placed in a memory
#                         cgroup here, else task/none; on | off to force
# Logs: $CAPSTAN_LOG_DIR/slurmctld.log, slurmd.log, slurmdbd.log, mariadb.log, munged.log; $SLURM_LOG_DIR/jobcomp.log.
set -euo pipefail
ENGINE=slurm
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CONF_DIR=/etc/slurm
CONF=$CONF_DIR/slurm.conf
CGROUP_CONF=$CONF_DIR/cgroup.conf
DBD_CONF=$CONF_DIR/slurmdbd.conf
MARIADB_CONF=/etc/mysql/mariadb.conf.d/90-capstan-slurm.cnf
MARIADB_SOCKET=/run/mysqld/mysqld.sock
STATE=$CAPSTAN_STATE_DIR/slurm
SPOOL=/var/spool/slurmctld
SLURMD_SPOOL=/var/spool/slurmd
SLURM_LOG_DIR=/var/log/slurm
CTLD_LOG=$CAPSTAN_LOG_DIR/slurmctld.log
SLURMD_LOG=$CAPSTAN_LOG_DIR/slurmd.log
MUNGE_LOG=$CAPSTAN_LOG_DIR/munged.log
DBD_LOG=$CAPSTAN_LOG_DIR/slurmdbd.log
MARIADB_LOG=$CAPSTAN_LOG_DIR/mariadb.log
NODE=$(hostname -s)
REAL_CPUS=$(nproc)
CPUS=${CAPSTAN_SLURM_CPUS:-$((REAL_CPUS * 4))}
CGROUP=${CAPSTAN_SLURM_CGROUP:-auto}

[[ "$CPUS" =~ ^[1-9][0-9]*$ ]] || die "CAPSTAN_SLURM_CPUS must be a positive number, not '$CPUS'"
case "$CGROUP" in auto | on | off) ;; *) die "CAPSTAN_SLURM_CGROUP must be auto, on or off, not '$CGROUP'" ;; esac

apt_install slurm-wlm munge slurmdbd mariadb-server
mkdir -p "$STATE" "$CAPSTAN_LOG_DIR" "$SLURM_LOG_DIR" "$SPOOL" "$SLURMD_SPOOL" "$CONF_DIR"

# --- munge ---
munge_answers() { munge -n 2>/dev/null | unmunge >/dev/null 2>&1; }
start_munge() {
  munge_answers && return 0
  if [ ! -s /etc/munge/munge.key ]; then
    mungekey -c -f -k /etc/munge/munge.key
    log "made /etc/munge/munge.key"
  fi
  chown munge:munge /etc/munge/munge.key
  chmod 600 /etc/munge/munge.key
  mkdir -p /run/munge /var/lib/munge /var/log/munge
  chown munge:munge /run/munge /var/lib/munge /var/log/munge
  chmod 755 /run/munge
  local pid
  pid=$(cat /run/munge/munged.pid 2>/dev/null || true)
  if pid_alive "$pid" munged; then
    log "munged (pid $pid) runs but does not answer yet; waiting"
  else
    rm -f /run/munge/munged.pid /run/munge/munge.socket.2
    log "starting munged (log $MUNGE_LOG)"
    # -F: stay in the foreground, so that start_detached's pid is munged's own.
    start_detached "$MUNGE_LOG" "$STATE/munged.pid" runuser -u munge -- /usr/sbin/munged -F
    pid=$STARTED_PID
  fi
  wait_until munged "$MUNGE_LOG" "$pid" munge_answers
}
with_lock "$CAPSTAN_ENGINES_LOCK.slurm" start_munge

# --- can Slurm's cgroup plugins confine a job's memory here? ---
# Tried once per machine (the result is kept): make a memory cgroup, give it a limit, move a process in. On this
# kind of machine (cgroup v1 hybrid, root without CAP_SYS_RESOURCE) the kernel allows it; elsewhere it may not.
cgroup_usable() {
  local probe=/sys/fs/cgroup/memory/capstan-slurm-probe.$$
  [ -f /sys/fs/cgroup/memory/memory.limit_in_bytes ] || return 1
  mkdir "$probe" 2>/dev/null || return 1
  local ok=1
  echo $((64 * 1024 * 1024)) >"$probe/memory.limit_in_bytes" 2>/dev/null &&
    sh -c "echo \$\$ > '$probe/cgroup.procs' && true" 2>/dev/null && ok=0
  rmdir "$probe" 2>/dev/null || true
  return $ok
}
use_cgroup=0
case "$CGROUP" in
  on) use_cgroup=1 ;;
  auto) if cgroup_usable; then use_cgroup=1; fi ;;
esac

# --- configuration (rewritten only when it differs) ---
real_memory=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
[ -n "$real_memory" ] || die "'slurmd -C' printed no RealMemory"
memory=$((real_memory > 4096 ? real_memory - 2048 : real_memory))
if [ $use_cgroup = 1 ]; then
  proctrack=proctrack/cgroup
  task_plugin=task/cgroup
  acct_gather=jobacct_gather/cgroup
else
  proctrack=proctrack/linuxproc
  task_plugin=task/none
  acct_gather=jobacct_gather/linux
fi
changed=0
if write_if_changed "$CONF" 644 <<EOF; then
# Written by Capstan's tools/engines/slurm.sh; rewritten when it differs.
ClusterName=capstan
SlurmctldHost=$NODE
AuthType=auth/munge
CredType=cred/munge
SlurmUser=root
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$SPOOL
SlurmdSpoolDir=$SLURMD_SPOOL
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
ProctrackType=$proctrack
TaskPlugin=$task_plugin
ReturnToService=2
MpiDefault=none
# Scheduling: at submit time, and then every 2 s, so that short test jobs start at once.
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2,bf_interval=2,batch_sched_delay=0,default_queue_depth=1000
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
SlurmdParameters=config_overrides
# Timers: 5 s from SIGTERM to SIGKILL on cancel and timeout; ended jobs stay visible to squeue/scontrol for 300 s.
KillWait=5
MinJobAge=300
InactiveLimit=0
OverTimeLimit=0
Waittime=0
SlurmctldTimeout=30
SlurmdTimeout=60
MessageTimeout=10
# Accounting through slurmdbd (sacct); each step's usage gathered every second (sstat, and MaxRSS/TotalCPU in sacct).
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=localhost
AccountingStoragePort=6819
JobAcctGatherType=$acct_gather
JobAcctGatherFrequency=task=1
JobCompType=jobcomp/filetxt
JobCompLoc=$SLURM_LOG_DIR/jobcomp.log
SlurmctldDebug=info
SlurmdDebug=info
NodeName=$NODE CPUs=$CPUS RealMemory=$memory State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
PartitionName=short Nodes=ALL Default=NO MaxTime=30 State=UP
EOF
  changed=1
  log "wrote $CONF (node $NODE: $CPUS CPUs, $memory MiB; partitions debug, short; $task_plugin, $acct_gather)"
fi
if write_if_changed "$CGROUP_CONF" 644 <<EOF; then
# Written by Capstan's tools/engines/slurm.sh; rewritten when it differs. Used only with task/cgroup.
CgroupPlugin=cgroup/v1
CgroupAutomount=no
ConstrainRAMSpace=yes
ConstrainSwapSpace=yes
AllowedSwapSpace=0
ConstrainCores=no
ConstrainDevices=no
EOF
  changed=1
  log "wrote $CGROUP_CONF"
fi

# --- the daemons ---
ctld_answers() { scontrol ping 2>/dev/null | grep -q 'is UP'; }
node_state() { sinfo -h -N -n "$NODE" -o '%T' 2>/dev/null | head -n1; }
node_idle() {
  case "$(node_state)" in idle | mixed | allocated | completing) return 0 ;; *) return 1 ;; esac
}
our_pid() { # our_pid PIDFILE COMM: the pid of a daemon this script started, if it runs
  local pid
  pid=$(cat "$1" 2>/dev/null || true)
  pid_alive "$pid" "$2" && echo "$pid"
}
stop_daemon() { # stop_daemon NAME: stops the daemon of that name (ours, or one found by its pid file)
  local name=$1 pid _
  pid=$(our_pid "$STATE/$name.pid" "$name" || our_pid "/run/$name.pid" "$name" || true)
  [ -n "$pid" ] || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do pid_alive "$pid" || return 0; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
}

# --- accounting: MariaDB on its socket only, slurmdbd on it ---
dbd_changed=0
if write_if_changed "$MARIADB_CONF" 644 <<EOF; then
# Written by Capstan's tools/engines/slurm.sh: Slurm's accounting database, reachable through its socket only.
[mariadbd]
skip-networking
socket=$MARIADB_SOCKET
innodb_buffer_pool_size=64M
innodb_lock_wait_timeout=900
EOF
  dbd_changed=1
  log "wrote $MARIADB_CONF"
fi
if write_if_changed "$DBD_CONF" 600 <<EOF; then
# Written by Capstan's tools/engines/slurm.sh; rewritten when it differs. root logs in by unix_socket: no password.
AuthType=auth/munge
DbdHost=localhost
DbdPort=6819
SlurmUser=root
PidFile=/run/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=localhost
StorageUser=root
StorageLoc=slurm_acct_db
DebugLevel=info
EOF
  dbd_changed=1
  log "wrote $DBD_CONF"
fi
mariadb_answers() { mariadb-admin --socket="$MARIADB_SOCKET" ping >/dev/null 2>&1; }
dbd_answers() { sacctmgr -n -P show cluster format=Cluster >/dev/null 2>&1; }
start_accounting() {
  if [ $dbd_changed = 1 ]; then
    stop_daemon slurmdbd
    stop_daemon mariadbd
  fi
  local pid
  if ! mariadb_answers; then
    mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld
    pid=$(our_pid "$STATE/mariadbd.pid" mariadbd || true)
    if [ -z "$pid" ]; then
      log "starting mariadbd (log $MARIADB_LOG)"
      start_detached "$MARIADB_LOG" "$STATE/mariadbd.pid" /usr/sbin/mariadbd --user=mysql
      pid=$STARTED_PID
    fi
    wait_until mariadbd "$MARIADB_LOG" "$pid" mariadb_answers
  fi
  if ! dbd_answers; then
    pid=$(our_pid "$STATE/slurmdbd.pid" slurmdbd || true)
    if [ -z "$pid" ]; then
      log "starting slurmdbd (log $DBD_LOG)"
      start_detached "$DBD_LOG" "$STATE/slurmdbd.pid" slurmdbd -D
      pid=$STARTED_PID
    fi
    wait_until slurmdbd "$DBD_LOG" "$pid" dbd_answers
  fi
  if ! sacctmgr -n -P show cluster format=Cluster 2>/dev/null | grep -qx capstan; then
    sacctmgr -i add cluster capstan >/dev/null
    log "registered the cluster capstan with slurmdbd"
  fi
}

start_slurm() {
  if [ $changed = 1 ] && { ctld_answers || our_pid "$STATE/slurmctld.pid" slurmctld >/dev/null; }; then
    log "configuration changed: restarting slurmctld and slurmd"
    stop_daemon slurmd
    stop_daemon slurmctld
  fi
  local pid
  if ! ctld_answers; then
    pid=$(our_pid "$STATE/slurmctld.pid" slurmctld || true)
    if [ -z "$pid" ]; then
      log "starting slurmctld (log $CTLD_LOG)"
      # -D: foreground (start_detached keeps its pid); -i: ignore state files that do not fit the configuration.
      start_detached "$CTLD_LOG" "$STATE/slurmctld.pid" slurmctld -D -i
      pid=$STARTED_PID
    fi
    wait_until slurmctld "$CTLD_LOG" "$pid" ctld_answers
  fi
  if [ -z "$(our_pid "$STATE/slurmd.pid" slurmd || our_pid /run/slurmd.pid slurmd || true)" ]; then
    log "starting slurmd (log $SLURMD_LOG)"
    start_detached "$SLURMD_LOG" "$STATE/slurmd.pid" slurmd -D
  fi
  pid=$(our_pid "$STATE/slurmd.pid" slurmd || our_pid /run/slurmd.pid slurmd || true)
  wait_until "the node $NODE to be idle in sinfo" "$SLURMD_LOG" "$pid" node_idle_or_resume
}
# A node left down or drained by an earlier run (e.g. "Not responding" after a restart) is resumed once.
node_idle_or_resume() {
  node_idle && return 0
  case "$(node_state)" in
    down* | drain* | fail*) scontrol update NodeName="$NODE" State=RESUME >/dev/null 2>&1 || true ;;
  esac
  return 1
}
with_lock "$CAPSTAN_ENGINES_LOCK.slurm" start_accounting
with_lock "$CAPSTAN_ENGINES_LOCK.slurm" start_slurm

# --- a check: a job runs and its state and exit code are readable after its end ---
check_job() {
  local out id state
  out=$(sbatch --parsable --partition=short --time=1 --cpus-per-task=1 --mem=16M --job-name=capstan-slurm-check \
    --output=/dev/null --wrap 'exit 3' 2>&1) || die "sbatch failed: $out"
  id=${out%%;*}
  local deadline=$((SECONDS + CAPSTAN_WAIT_SECONDS))
  while :; do
    state=$(squeue -h --states=all -j "$id" -O 'State:16,exit_code:8' 2>/dev/null | tr -s ' ' || true)
    case "$state" in FAILED*) break ;; esac
    [ $SECONDS -lt $deadline ] || die "the check job $id did not end FAILED with exit code 3 within ${CAPSTAN_WAIT_SECONDS} s (squeue: $state)"
    sleep 0.2
  done
  log "a check job ran in partition short: squeue shows it as '$state' after its end"
  # Accounting: slurmctld hands the job's record to slurmdbd shortly after its end.
  local acct=''
  deadline=$((SECONDS + CAPSTAN_WAIT_SECONDS))
  until acct=$(sacct -n -P -j "$id" --format=JobID,State,ExitCode 2>&1) && grep -q "^$id|FAILED|3:0" <<<"$acct"; do
    [ $SECONDS -lt $deadline ] || die "sacct did not show the check job $id as FAILED 3:0 within ${CAPSTAN_WAIT_SECONDS} s (sacct: $acct); see $DBD_LOG"
    sleep 0.2
  done
  log "sacct shows it too: $(head -n1 <<<"$acct")"
}
check_job
log "ready: $(sinfo -h -o '%P %a %l %D %T' | tr '\n' ';' | sed 's/;$//')"
