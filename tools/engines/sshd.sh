#!/usr/bin/env bash
# A dedicated OpenSSH server on 127.0.0.1, standing in for a cluster's login node, for Capstan's scheduler backends
# over SSH: installs openssh-server and openssh-client if missing and starts an sshd of its own (never the system's:
# its own config, host keys, pid and log under $CAPSTAN_STATE_DIR/sshd), unless one of ours already answers.
#
# What tests read, all under $CAPSTAN_STATE_DIR/sshd:
#   client_key, client_key.pub  the key pair allowed to log in as root (no passphrase)
#   known_hosts                 this server's host key, for strict host key checking: [127.0.0.1]:PORT ...
#   port                        the port it listens on
#   sshd.log                    sshd's own log (LogLevel VERBOSE: one "Accepted publickey" line per connection)
#
# The configuration, and why: key-only login (no password, no keyboard-interactive) for root, which runs the
# schedulers' commands here; MaxSessions and MaxStartups raised, since one multiplexed connection carries many
# sessions and tests start a few at once; no PAM (nothing to ask), no DNS lookups (loopback only).
#
# Environment (optional, besides those of lib.sh):
#   CAPSTAN_SSHD_PORT  the port on 127.0.0.1 (default 2222)
set -euo pipefail
ENGINE=sshd
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT=${CAPSTAN_SSHD_PORT:-2222}
[[ "$PORT" =~ ^[1-9][0-9]*$ ]] || die "CAPSTAN_SSHD_PORT must be a port number, not '$PORT'"
STATE=$CAPSTAN_STATE_DIR/sshd
CONFIG=$STATE/sshd_config
PIDFILE=$STATE/sshd.pid
LOG=$STATE/sshd.log
DAEMON_LOG=$CAPSTAN_LOG_DIR/sshd.log

apt_install openssh-server openssh-client
mkdir -p "$STATE" "$CAPSTAN_LOG_DIR" /run/sshd
chmod 700 "$STATE"
chmod 755 /run/sshd

[ -s "$STATE/host_ed25519_key" ] || { ssh-keygen -q -t ed25519 -N '' -C capstan-sshd-host -f "$STATE/host_ed25519_key" && log "made a host key"; }
[ -s "$STATE/client_key" ] || { ssh-keygen -q -t ed25519 -N '' -C capstan-sshd-client -f "$STATE/client_key" && log "made the client key pair"; }
write_if_changed "$STATE/authorized_keys" 600 <"$STATE/client_key.pub" || true
printf '[127.0.0.1]:%s %s\n' "$PORT" "$(cut -d' ' -f1,2 "$STATE/host_ed25519_key.pub")" | write_if_changed "$STATE/known_hosts" 644 || true
echo "$PORT" | write_if_changed "$STATE/port" 644 || true

config_changed=0
write_if_changed "$CONFIG" 600 <<EOC && config_changed=1 || true
# Written by capstan tools/engines/sshd.sh; the system's sshd and its config are left alone.
ListenAddress 127.0.0.1
Port $PORT
HostKey $STATE/host_ed25519_key
PidFile $PIDFILE
AuthorizedKeysFile $STATE/authorized_keys
StrictModes no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
MaxSessions 100
MaxStartups 100:30:200
LogLevel VERBOSE
Subsystem sftp internal-sftp
EOC

answers() {
  ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$STATE/known_hosts" \
    -o ConnectTimeout=5 -i "$STATE/client_key" -p "$PORT" root@127.0.0.1 true >/dev/null 2>&1
}
pid=$(cat "$PIDFILE" 2>/dev/null || true)
if pid_alive "$pid" sshd; then
  if [ $config_changed = 0 ] && answers; then exit 0; fi
  log "restarting sshd (pid $pid): its config changed or it does not answer"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do pid_alive "$pid" || break; sleep 0.1; done
fi
/usr/sbin/sshd -t -f "$CONFIG" 2>>"$DAEMON_LOG" || { show_log_tail "$DAEMON_LOG"; die "sshd refuses $CONFIG; see $DAEMON_LOG"; }
log "starting sshd on 127.0.0.1:$PORT (log $LOG)"
# -D: stays in the foreground, so that start_detached's pid is sshd's; -E: its log is a file of its own.
start_detached "$DAEMON_LOG" "$STATE/sshd.start.pid" /usr/sbin/sshd -D -f "$CONFIG" -E "$LOG"
wait_until "sshd" "$DAEMON_LOG" "$STARTED_PID" answers
log "sshd answers on 127.0.0.1:$PORT"
