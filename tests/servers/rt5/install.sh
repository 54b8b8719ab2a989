#!/usr/bin/env bash
# Install Request Tracker 5 from the Debian 12 packages, non-interactively.
# Idempotent: exits at once when rt-server is already there.
# Touches only the debconf answers for request-tracker5; the tests never use
# /etc/request-tracker5 (start.sh writes a private config).
set -euo pipefail

if [ -e /usr/share/request-tracker5/libexec/rt-server ] && command -v curl >/dev/null; then
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"

# Answers for every question the package (and its dbconfig-common part) can ask.
# dbconfig-install=false: we create our own SQLite DB in start.sh.
$SUDO debconf-set-selections <<'SEL'
request-tracker5 request-tracker5/dbconfig-install boolean false
request-tracker5 request-tracker5/database-type select sqlite3
request-tracker5 request-tracker5/rtname string mentiondesk.test
request-tracker5 request-tracker5/organization string mentiondesk.test
request-tracker5 request-tracker5/correspondaddress string rt@mentiondesk.invalid
request-tracker5 request-tracker5/commentaddress string rt-comment@mentiondesk.invalid
request-tracker5 request-tracker5/webbaseurl string http://127.0.0.1
request-tracker5 request-tracker5/install-cronjobs boolean false
request-tracker5 request-tracker5/handle-siteconfig-permissions boolean true
rt5-db-sqlite rt5-db-sqlite/available boolean true
SEL

pkgs=(request-tracker5 rt5-db-sqlite rt5-standalone curl)
install() {
    $SUDO apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${pkgs[@]}"
}
# Fresh machine (empty/stale package lists): update once, then retry.
if ! apt-cache show request-tracker5 >/dev/null 2>&1 || ! install; then
    $SUDO apt-get update -qq
    install
fi

test -e /usr/share/request-tracker5/libexec/rt-server
