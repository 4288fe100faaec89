#!/usr/bin/env bash
# Debian's chromium, which the run report's page tests drive headless through puppeteer-core
# (/usr/bin/chromium). Nothing is started: the tests launch it themselves.
set -euo pipefail
ENGINE=chromium
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

apt_install chromium
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium is missing after installing the chromium package"
