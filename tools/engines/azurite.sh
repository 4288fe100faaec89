#!/usr/bin/env bash
# Azure Blob storage for the tests: Azurite (npm, Microsoft's own Azure Storage emulator; why this one:
# docs/decisions.md), its Blob service only, installed in its own folder under /opt, never in the workspace, listening
# on 127.0.0.1 only, with Azurite's documented development account (devstoreaccount1 and its published key) and the
# container capstan-test. Runs on the repository's pinned Node (tools/lib/ensure-node.sh: Azurite needs Node >= 22).
# Installs Azurite if missing, starts it if nothing answers, waits for it, and creates the container if missing.
#
# Environment (optional, besides those of lib.sh):
#   CAPSTAN_AZURITE_PORT    default 10000 (Azurite's own Blob port)
#   CAPSTAN_AZURITE_PREFIX  where Azurite is installed, default /opt/capstan-azurite
# Files (under $CAPSTAN_STATE_DIR/azurite, default /var/lib/capstan/azurite): data/ (the blobs), azurite.pid, and
# credentials.env with AZURITE_ENDPOINT=http://127.0.0.1:PORT/devstoreaccount1 AZURITE_ACCOUNT=devstoreaccount1
# AZURITE_KEY=(the published key) AZURITE_CONTAINER=capstan-test AZURITE_BIN=(the Blob service's script)
# AZURITE_NODE=(the Node that runs it), for tests that start their own instance on port 0.
# Log: $CAPSTAN_LOG_DIR/azurite.log.
set -euo pipefail
ENGINE=azurite
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$ENGINES_DIR/../lib/ensure-node.sh" >/dev/null

PORT=${CAPSTAN_AZURITE_PORT:-10000}
PREFIX=${CAPSTAN_AZURITE_PREFIX:-/opt/capstan-azurite}
VERSION=3.37.0
ADDR=127.0.0.1:$PORT
DIR=$CAPSTAN_STATE_DIR/azurite
PIDFILE=$DIR/azurite.pid
CREDENTIALS=$DIR/credentials.env
AZ_LOG=$CAPSTAN_LOG_DIR/azurite.log
ACCOUNT=devstoreaccount1
# Azurite's published development key (https://learn.microsoft.com/azure/storage/common/storage-use-azurite): not a
# secret, the same in every Azurite.
KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
CONTAINER=capstan-test
BIN=$PREFIX/node_modules/azurite/dist/src/blob/main.js
NODE=$(command -v node)

[[ "$PORT" =~ ^[0-9]+$ ]] || die "CAPSTAN_AZURITE_PORT must be a port number, not '$PORT'"
need_cmd curl curl

mkdir -p "$DIR/data" "$CAPSTAN_LOG_DIR"
with_lock "$CAPSTAN_ENGINES_LOCK.azurite" npm_tool_install "$PREFIX" azurite "$VERSION" "$AZ_LOG"

# An unsigned request to the account: Azurite answers with its own error document (and its x-ms-request-id header);
# nothing answering: 000.
root_status() { curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://$ADDR/$ACCOUNT?comp=list" 2>/dev/null || true; }
answers() { curl -s -D - -o /dev/null --max-time 3 "http://$ADDR/$ACCOUNT?comp=list" 2>/dev/null | grep -qi '^x-ms-request-id:'; }

# --skipApiVersionCheck: the SDK may speak a newer service version than this Azurite knows; --disableTelemetry: nothing
# leaves the machine.
start_azurite() {
  start_node_server "Azurite's Blob service" "$AZ_LOG" "$PIDFILE" "$BIN" CAPSTAN_AZURITE_PORT \
    "$NODE" "$BIN" --blobHost 127.0.0.1 --blobPort "$PORT" --location "$DIR/data" --skipApiVersionCheck --disableProductStyleUrl --disableTelemetry --silent
}
with_lock "$CAPSTAN_ENGINES_LOCK.azurite" start_azurite

# Creates the container with a Shared Key request (no SDK here: the workspace's node_modules may not be installed
# yet); 201 created, 409 already there.
status=$(AZ_ADDR=$ADDR AZ_ACCOUNT=$ACCOUNT AZ_KEY=$KEY AZ_CONTAINER=$CONTAINER node "$ENGINES_DIR/azurite-container.mjs") ||
  die "could not reach Azurite on $ADDR to create the container $CONTAINER"
case $status in
  201) log "created the container $CONTAINER" ;;
  409) ;;
  *) die "Azurite on $ADDR refused to create the container $CONTAINER (HTTP $status): it was not started by this script; stop it or set CAPSTAN_AZURITE_PORT" ;;
esac
if write_if_changed "$CREDENTIALS" 644 <<EOF2; then
AZURITE_ENDPOINT=http://$ADDR/$ACCOUNT
AZURITE_ACCOUNT=$ACCOUNT
AZURITE_KEY=$KEY
AZURITE_CONTAINER=$CONTAINER
AZURITE_BIN=$BIN
AZURITE_NODE=$NODE
EOF2
  log "wrote $CREDENTIALS"
fi
log "ready: AZURITE_ENDPOINT=http://$ADDR/$ACCOUNT AZURITE_ACCOUNT=$ACCOUNT AZURITE_CONTAINER=$CONTAINER (key in $CREDENTIALS)"
