#!/usr/bin/env bash
# The shells whose completion scripts the CLI's tests source for real (`capstan completion zsh|fish`); bash is
# always there. tmux: `capstan top` is tested through it (send-keys, capture-pane).
set -euo pipefail
ENGINE=shells
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

apt_install zsh fish tmux
