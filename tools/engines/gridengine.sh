#!/usr/bin/env bash
# Grid Engine (Son of Grid Engine 8.1.9, Debian's gridengine-*) on this one machine, standing in for an SGE cluster,
# for Capstan's batch backend and its gridengine profile: installs gridengine-master, gridengine-exec and
# gridengine-client if missing (their debconf questions preseeded), starts sge_qmaster and sge_execd if they do not
# answer, and configures a one-node cell. Safe to run again: what is configured already is left alone.
#
# The configuration, and why:
#   - every name this host has resolves to 127.0.0.1, which resolves back to `localhost`; Grid Engine refuses a client
#     whose resolved name differs from the name it gives ("access denied"), so the cell's one host is `localhost` and
#     host_aliases maps this host's other names to it;
#   - one queue, all.q on that host, with $CAPSTAN_GRIDENGINE_SLOTS slots (default 4 x nproc: test jobs mostly sleep
#     or echo, and 2 slots would serialise them), and a parallel environment `smp` ($pe_slots: all on one host), so that
#     `qsub -pe smp N` asks for N CPUs;
#   - latency for short jobs: the scheduler runs every second and at each submit and job end (flush_submit_sec,
#     flush_finish_sec), the execd reports every 2 s, and the accounting file that qacct reads is flushed every second;
#   - min_uid/min_gid 0: jobs may run as root (the tests run as root; Debian's default refuses uids below 1000).
#
# Environment (optional, besides those of lib.sh):
#   CAPSTAN_GRIDENGINE_SLOTS  slots of the queue (default 4 x nproc)
# Logs: $CAPSTAN_LOG_DIR/sge_qmaster.log, sge_execd.log; Grid Engine's own in /var/spool/gridengine/*/messages.
set -euo pipefail
ENGINE=gridengine
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

export SGE_ROOT=/var/lib/gridengine SGE_CELL=default
COMMON=$SGE_ROOT/$SGE_CELL/common
STATE=$CAPSTAN_STATE_DIR/gridengine
QMASTER_LOG=$CAPSTAN_LOG_DIR/sge_qmaster.log
EXECD_LOG=$CAPSTAN_LOG_DIR/sge_execd.log
HOST=localhost
SLOTS=${CAPSTAN_GRIDENGINE_SLOTS:-$(($(nproc) * 4))}
[[ "$SLOTS" =~ ^[1-9][0-9]*$ ]] || die "CAPSTAN_GRIDENGINE_SLOTS must be a positive number, not '$SLOTS'"

# The packages' questions: configure the cell automatically, named `default`, its master this host.
if ! pkg_installed gridengine-master; then
  debconf-set-selections <<EOF
gridengine-common shared/gridengineconfig boolean true
gridengine-common shared/gridenginecell string $SGE_CELL
gridengine-common shared/gridenginemaster string $HOST
EOF
fi
apt_install gridengine-master gridengine-exec gridengine-client
mkdir -p "$STATE" "$CAPSTAN_LOG_DIR" /var/run/gridengine
chown sgeadmin:sgeadmin /var/run/gridengine
[ -s "$COMMON/bootstrap" ] || die "$COMMON/bootstrap is missing: the package did not set up the cell (dpkg-reconfigure gridengine-master)"

aliases="$HOST $(hostname -s) $(hostname -f 2>/dev/null || true)"
aliases=$(tr ' ' '\n' <<<"$aliases" | awk 'NF && !seen[$0]++' | tr '\n' ' ')
write_if_changed "$COMMON/host_aliases" 644 <<<"${aliases% }" && log "wrote $COMMON/host_aliases: ${aliases% }" || true
write_if_changed "$COMMON/act_qmaster" 644 <<<"$HOST" || true

our_pid() { # our_pid PIDFILE COMM: the pid of a daemon this script started, if it runs
  local pid
  pid=$(cat "$1" 2>/dev/null || true)
  pid_alive "$pid" "$2" && echo "$pid"
}
qmaster_answers() { qconf -sh >/dev/null 2>&1; }
execd_up() { qhost -h "$HOST" 2>/dev/null | awk -v h="$HOST" '$1 == h && $4 != "-" { ok = 1 } END { exit !ok }'; }

start_qmaster() {
  qmaster_answers && return 0
  local pid
  pid=$(our_pid "$STATE/sge_qmaster.pid" sge_qmaster || true)
  if [ -z "$pid" ]; then
    log "starting sge_qmaster (log $QMASTER_LOG)"
    # SGE_ND: no daemonising, so that start_detached's pid is the daemon's own.
    SGE_ND=1 start_detached "$QMASTER_LOG" "$STATE/sge_qmaster.pid" /usr/lib/gridengine/sge_qmaster
    pid=$STARTED_PID
  fi
  wait_until sge_qmaster "$QMASTER_LOG" "$pid" qmaster_answers
}

# config_value KEY < FILE: the value of KEY in a qconf file form, continuation lines joined, blanks collapsed.
config_value() {
  awk -v k="$1" '
    on { line = line " " $0 } $1 == k { on = 1; line = $0; sub("^[^ \t]+[ \t]+", "", line) }
    on && !/\\$/ { on = 0; gsub(/\\/, "", line); gsub(/[ \t]+/, " ", line); sub(/ $/, "", line); print line; exit }'
}
# edit_config SHOW_CMD MODIFY_CMD FILE KEY=VALUE...: sets attributes of a configuration (qconf -sconf, -ssconf) through
# its file form, and only those that differ.
edit_config() {
  local show=$1 modify=$2 file=$3
  shift 3
  $show >"$file"
  local pair key value changed=()
  for pair in "$@"; do
    key=${pair%%=*}
    value=${pair#*=}
    [ "$(config_value "$key" <"$file")" = "$value" ] && continue
    changed+=("$pair")
    # The old value (with its continuation lines) gives way to the new one.
    awk -v k="$key" -v v="$value" '
      skip && /\\$/ { next } skip { skip = 0; next }
      $1 == k { printf "%-30s %s\n", k, v; if ($0 ~ /\\$/) skip = 1; next } { print }' "$file" >"$file.new"
    mv "$file.new" "$file"
  done
  [ ${#changed[@]} = 0 ] || { $modify "$file" >/dev/null 2>&1 && log "set ${changed[*]}"; }
}

configure_cell() {
  qconf -sh | grep -qx "$HOST" || qconf -ah "$HOST" >/dev/null 2>&1
  qconf -ss 2>/dev/null | grep -qx "$HOST" || qconf -as "$HOST" >/dev/null 2>&1
  mkdir -p "$STATE/conf"
  edit_config "qconf -sconf global" "qconf -Mconf" "$STATE/conf/global" \
    min_uid=0 min_gid=0 load_report_time=00:00:02 max_unheard=00:01:00 \
    'reporting_params=accounting=true reporting=false flush_time=00:00:01 joblog=false sharelog=00:00:00'
  edit_config "qconf -ssconf" "qconf -Msconf" "$STATE/conf/sched" \
    schedule_interval=0:0:1 flush_submit_sec=1 flush_finish_sec=1
  if ! qconf -sp smp >/dev/null 2>&1; then
    cat >"$STATE/conf/smp" <<EOF
pe_name            smp
slots              99999
user_lists         NONE
xuser_lists        NONE
start_proc_args    NONE
stop_proc_args     NONE
allocation_rule    \$pe_slots
control_slaves     FALSE
job_is_first_task  TRUE
urgency_slots      min
accounting_summary FALSE
qsort_args         NONE
EOF
    qconf -Ap "$STATE/conf/smp" >/dev/null 2>&1
    log "added the parallel environment smp"
  fi
}

start_execd() {
  if ! qconf -sel 2>/dev/null | grep -qx "$HOST"; then
    printf 'hostname %s\nload_scaling NONE\ncomplex_values NONE\nuser_lists NONE\nxuser_lists NONE\nprojects NONE\nxprojects NONE\nusage_scaling NONE\nreport_variables NONE\n' "$HOST" >"$STATE/conf/exechost"
    qconf -Ae "$STATE/conf/exechost" >/dev/null 2>&1
    log "added the execution host $HOST"
  fi
  # The process, not qhost, says whether an execd runs: the qmaster shows a dead execd's last report until max_unheard.
  local pid
  pid=$(our_pid "$STATE/sge_execd.pid" sge_execd || our_pid "/var/spool/gridengine/execd/$HOST/execd.pid" sge_execd || true)
  if [ -z "$pid" ]; then
    mkdir -p /var/spool/gridengine/execd && chown sgeadmin:sgeadmin /var/spool/gridengine/execd
    log "starting sge_execd (log $EXECD_LOG)"
    SGE_ND=1 start_detached "$EXECD_LOG" "$STATE/sge_execd.pid" /usr/lib/gridengine/sge_execd
    pid=$STARTED_PID
  fi
  wait_until "sge_execd to report to the qmaster" "$EXECD_LOG" "$pid" execd_up
}

configure_queue() {
  if ! qconf -sq all.q >/dev/null 2>&1; then
    cat >"$STATE/conf/all.q" <<EOF
qname                 all.q
hostlist              $HOST
seq_no                0
load_thresholds       NONE
suspend_thresholds    NONE
nsuspend              1
suspend_interval      00:05:00
priority              0
min_cpu_interval      00:05:00
processors            UNDEFINED
qtype                 BATCH INTERACTIVE
ckpt_list             NONE
pe_list               smp
rerun                 FALSE
slots                 $SLOTS
tmpdir                /tmp
shell                 /bin/sh
prolog                NONE
epilog                NONE
shell_start_mode      unix_behavior
starter_method        NONE
suspend_method        NONE
resume_method         NONE
terminate_method      NONE
notify                00:00:60
owner_list            NONE
user_lists            NONE
xuser_lists           NONE
subordinate_list      NONE
complex_values        NONE
projects              NONE
xprojects             NONE
calendar              NONE
initial_state         default
s_rt                  INFINITY
h_rt                  INFINITY
s_cpu                 INFINITY
h_cpu                 INFINITY
s_fsize               INFINITY
h_fsize               INFINITY
s_data                INFINITY
h_data                INFINITY
s_stack               INFINITY
h_stack               INFINITY
s_core                INFINITY
h_core                INFINITY
s_rss                 INFINITY
h_rss                 INFINITY
s_vmem                INFINITY
h_vmem                INFINITY
EOF
    qconf -Aq "$STATE/conf/all.q" >/dev/null 2>&1
    log "added the queue all.q ($SLOTS slots on $HOST)"
  elif [ "$(qconf -sq all.q | awk '$1 == "slots" { print $2 }')" != "$SLOTS" ]; then
    qconf -mattr queue slots "$SLOTS" all.q >/dev/null
    log "set the slots of all.q to $SLOTS"
  fi
  # A queue left in error or disabled by an earlier run (e.g. an execd that died) is cleared and enabled once.
  qmod -cq all.q >/dev/null 2>&1 || true
  qmod -e all.q >/dev/null 2>&1 || true
}

with_lock "$CAPSTAN_ENGINES_LOCK.gridengine" start_qmaster
with_lock "$CAPSTAN_ENGINES_LOCK.gridengine" configure_cell
with_lock "$CAPSTAN_ENGINES_LOCK.gridengine" start_execd
with_lock "$CAPSTAN_ENGINES_LOCK.gridengine" configure_queue

# --- a check: a job runs, and qacct shows its exit code after its end ---
check_job() {
  local out id acct='' deadline
  out=$(qsub -terse -N capstan-gridengine-check -o /dev/null -e /dev/null -pe smp 1 <<<'exit 3' 2>&1) || die "qsub failed: $out"
  id=$(tail -n1 <<<"$out")
  [[ "$id" =~ ^[0-9]+$ ]] || die "qsub printed no job id: $out"
  deadline=$((SECONDS + CAPSTAN_WAIT_SECONDS))
  until acct=$(qacct -j "$id" 2>/dev/null) && grep -qE '^exit_status +3 *$' <<<"$acct"; do
    [ $SECONDS -lt $deadline ] || die "the check job $id did not end with exit status 3 within ${CAPSTAN_WAIT_SECONDS} s (qstat: $(qstat -j "$id" 2>&1 | grep -iE 'error|reason' | head -n3 | tr '\n' ' ')); see /var/spool/gridengine/qmaster/messages"
    sleep 0.2
  done
  log "a check job ran: qacct shows job $id with exit status 3"
}
check_job
log "ready: $(qstat -g c 2>/dev/null | awk '$1 == "all.q" { print "all.q: " $5 " of " $6 " slots free" }')"
