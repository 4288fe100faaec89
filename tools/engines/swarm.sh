#!/usr/bin/env bash
# Makes the machine's Docker Engine a one-node swarm manager, for the docker backend's swarm mode tests:
#   docker swarm init --advertise-addr 127.0.0.1 --listen-addr 127.0.0.1:2377 --data-path-addr 127.0.0.1
# Only loopback addresses: the swarm's control port (2377) and gossip port (7946) listen on 127.0.0.1, and the
# routing-mesh network `ingress` is removed right after the init, since its VXLAN port (4789/udp) would listen on
# every address and Capstan's services publish no ports.
#
# Idempotent: a daemon that is already a manager is left as it is (a swarm someone else made, on other
# addresses, is reported, not changed); a worker, or a swarm in error or locked, is an error.
# Plain containers are unaffected: a swarm manager still runs `docker run` containers on the bridge network as
# before, and Capstan's docker backend keeps running plain containers unless its `swarm` option says otherwise.
#
# Environment: see lib.sh. Requires tools/engines/docker.sh (run first unless CAPSTAN_ENGINES_NO_DEPS=1).
set -euo pipefail
ENGINE=swarm
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

run_dep docker.sh

field() { docker info --format "{{ $1 }}" 2>/dev/null; }

init_swarm() {
  local state
  state=$(field .Swarm.LocalNodeState)
  [ "$state" = inactive ] || return 0 # made meanwhile by a concurrent run
  log "docker swarm init on 127.0.0.1 (control 127.0.0.1:2377)"
  docker swarm init --advertise-addr 127.0.0.1 --listen-addr 127.0.0.1:2377 --data-path-addr 127.0.0.1 >/dev/null ||
    die "docker swarm init failed"
  remove_ingress
}

remove_ingress() {
  docker network inspect ingress >/dev/null 2>&1 || return 0
  if [ -n "$(docker service ls -q)" ]; then
    log "leaving the ingress network: services exist ($(docker service ls -q | wc -l))"
    return 0
  fi
  # The CLI asks for a confirmation before removing the routing mesh. Right after an init the removal may be
  # refused until the network is set up, and a removed one stays listed for a moment: try until it is gone.
  local _
  for _ in $(seq 40); do
    echo y | docker network rm ingress >/dev/null 2>&1 || true
    sleep 0.25
    if ! docker network inspect ingress >/dev/null 2>&1; then
      log "removed the ingress network (no published ports: nothing listens on 4789/udp)"
      return 0
    fi
  done
  die "could not remove the ingress network: $(echo y | docker network rm ingress 2>&1 | tail -n1)"
}

state=$(field .Swarm.LocalNodeState) || die "docker info failed"
case "$state" in
  inactive) with_lock "$CAPSTAN_ENGINES_LOCK.swarm" init_swarm ;;
  active) ;;
  *) die "the daemon's swarm state is '$state'; see 'docker info' (docker swarm leave --force starts over)" ;;
esac

[ "$(field .Swarm.ControlAvailable)" = true ] ||
  die "the daemon is in a swarm but not a manager; Capstan's swarm mode needs a manager (docker swarm leave, then run this again)"
addr=$(field .Swarm.NodeAddr)
if [ "$addr" = 127.0.0.1 ]; then
  with_lock "$CAPSTAN_ENGINES_LOCK.swarm" remove_ingress
else
  log "the daemon is already the manager of a swarm on $addr (not made by this script); leaving it as it is"
fi
log "swarm manager on ${addr:-?}: node $(field .Swarm.NodeID), $(field .Swarm.Nodes) node(s), $(field .Swarm.Managers) manager(s)"
