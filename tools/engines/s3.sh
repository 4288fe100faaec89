#!/usr/bin/env bash
# An S3-compatible object store for the tests: s3rver (npm, a file-system backed S3 API; why this one:
# docs/decisions.md) installed in its own folder under /opt, never in the workspace, listening on 127.0.0.1 only,
# with the bucket capstan-test. Installs node/npm from Debian if missing, installs s3rver if missing, starts it if
# nothing answers, waits for it, and checks that the bucket is there.
#
# Environment (optional, besides those of lib.sh):
#   CAPSTAN_S3_PORT    default 4568 (s3rver's own default)
#   CAPSTAN_S3_PREFIX  where s3rver is installed, default /opt/capstan-s3rver
# Files (under $CAPSTAN_STATE_DIR/s3, default /var/lib/capstan/s3): data/ (the objects), s3rver.pid, and
# credentials.env with S3_ENDPOINT=http://127.0.0.1:PORT S3_ACCESS_KEY_ID=S3RVER S3_SECRET_ACCESS_KEY=S3RVER
# S3_BUCKET=capstan-test S3RVER_BIN=(the server's script, for tests that start their own instance on port 0).
# Log: $CAPSTAN_LOG_DIR/s3.log.
set -euo pipefail
ENGINE=s3
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PORT=${CAPSTAN_S3_PORT:-4568}
PREFIX=${CAPSTAN_S3_PREFIX:-/opt/capstan-s3rver}
VERSION=3.7.1
ADDR=127.0.0.1:$PORT
DIR=$CAPSTAN_STATE_DIR/s3
PIDFILE=$DIR/s3rver.pid
CREDENTIALS=$DIR/credentials.env
S3_LOG=$CAPSTAN_LOG_DIR/s3.log
BUCKET=capstan-test
BIN=$PREFIX/node_modules/s3rver/bin/s3rver.js

[[ "$PORT" =~ ^[0-9]+$ ]] || die "CAPSTAN_S3_PORT must be a port number, not '$PORT'"
need_cmd curl curl
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || apt_install nodejs npm

mkdir -p "$DIR/data" "$CAPSTAN_LOG_DIR"
with_lock "$CAPSTAN_ENGINES_LOCK.s3" npm_tool_install "$PREFIX" s3rver "$VERSION" "$S3_LOG"

# GET / (ListBuckets): s3rver answers an unsigned one with its bucket list; nothing answering: 000.
root_status() { curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://$ADDR/" 2>/dev/null || true; }
answers() { curl -s --max-time 3 "http://$ADDR/" 2>/dev/null | grep -q '<ListAllMyBucketsResult'; }

start_s3() {
  start_node_server s3rver "$S3_LOG" "$PIDFILE" "$BIN" CAPSTAN_S3_PORT \
    node "$BIN" -d "$DIR/data" -a 127.0.0.1 -p "$PORT" --configure-bucket "$BUCKET" --no-vhost-buckets
}
with_lock "$CAPSTAN_ENGINES_LOCK.s3" start_s3

curl -s --max-time 3 "http://$ADDR/" | grep -qF "<Name>$BUCKET</Name>" ||
  die "the S3 store on $ADDR has no bucket $BUCKET: it was not started by this script; stop it or set CAPSTAN_S3_PORT"
if write_if_changed "$CREDENTIALS" 644 <<EOF2; then
S3_ENDPOINT=http://$ADDR
S3_ACCESS_KEY_ID=S3RVER
S3_SECRET_ACCESS_KEY=S3RVER
S3_BUCKET=$BUCKET
S3RVER_BIN=$BIN
EOF2
  log "wrote $CREDENTIALS"
fi
log "ready: S3_ENDPOINT=http://$ADDR (path-style) S3_ACCESS_KEY_ID=S3RVER S3_SECRET_ACCESS_KEY=S3RVER S3_BUCKET=$BUCKET (in $CREDENTIALS)"
