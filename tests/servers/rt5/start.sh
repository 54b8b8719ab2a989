#!/usr/bin/env bash
# Start a throw-away Request Tracker 5 on 127.0.0.1:PORT with all state in DIR.
#   usage: start.sh DIR PORT      (run install.sh first)
# DIR is wiped and recreated on every run (a running server from an earlier
# start.sh in DIR is stopped first); a non-empty DIR that was not made by
# this script is refused. Writes DIR/env (RT_URL, RT_USER, RT_PASSWORD,
# RT_TOKEN), DIR/rt.pid and DIR/rt.log (server output), DIR/rt-app.log
# (RT's own log), DIR/*.mbox (mail RT "sent").
# With MENTIONDESK_EVENTS_URL and MENTIONDESK_EVENTS_TOKEN set, the queue's status scrip
# (seed.pl) reports every status change there, as docs/helpdesks.md describes.
# The replies scrip (infra/rt/mentiondesk_replies.pl, docs/helpdesk-replies.md) is always
# installed; with MENTIONDESK_REPLIES_URL and MENTIONDESK_REPLIES_SECRET set it POSTs every
# privileged Correspond there, signed with that secret.
set -euo pipefail

[ $# -eq 2 ] || { echo "usage: $0 DIR PORT" >&2; exit 2; }
HERE="$(cd "$(dirname "$0")" && pwd)"
REPLIES_SCRIP="$HERE/../../../infra/rt/mentiondesk_replies.pl"
PORT="$2"
RT_USER=root RT_PASSWORD=password
SBIN=/usr/sbin/rt-setup-database-5
SERVER=/usr/share/request-tracker5/libexec/rt-server
[ -x "$SERVER" ] || { echo "RT not installed: run $HERE/install.sh" >&2; exit 1; }

mkdir -p "$1"; DIR="$(cd "$1" && pwd)"
if [ -e "$DIR/rt.pid" ]; then "$HERE/stop.sh" "$DIR"; fi
if [ -n "$(ls -A "$DIR")" ] && [ ! -e "$DIR/RT_SiteConfig.pm" ]; then
    echo "$DIR is not empty and not an RT test dir; refusing to wipe it" >&2; exit 1
fi
rm -rf "${DIR:?}"/* && mkdir -p "$DIR/site.d" "$DIR/mason_data" "$DIR/session_data"
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
    echo "port $PORT is already in use" >&2; exit 1
fi

# Private config; /etc/request-tracker5 is never read. The $RT::*Dir/Path
# overrides keep Mason's cache, sessions and the "mbox" mail under DIR.
cat >"$DIR/RT_SiteConfig.pm" <<CONF
Set(\$rtname, 'mentiondesk.test');
Set(\$Organization, 'mentiondesk.test');
Set(\$CorrespondAddress, 'rt@mentiondesk.invalid');
Set(\$CommentAddress, 'rt-comment@mentiondesk.invalid');
Set(\$DatabaseType, 'SQLite');
Set(\$DatabaseName, '$DIR/rt.sqlite');
Set(\$WebPath, '');
Set(\$WebBaseURL, 'http://127.0.0.1:$PORT');
Set(\$WebDomain, '127.0.0.1');
Set(\$WebPort, $PORT);
Set(\$MailCommand, 'mbox');      # outgoing mail appended to DIR/<date>.mbox
Set(\$BcryptCost, 4);            # default 12 costs ~180 ms per authenticated request
Set(\$Timezone, 'UTC');
Set(\$LogToSyslog, 0);
Set(\$LogToSTDERR, 0);
Set(\$LogToFile, 'info');
Set(\$LogDir, '$DIR');
Set(\$LogToFileNamed, 'rt-app.log');
\$RT::VarPath = '$DIR';
\$RT::MasonDataDir = '$DIR/mason_data';
\$RT::MasonSessionDir = '$DIR/session_data';
CONF
if [ -n "${MENTIONDESK_EVENTS_URL:-}" ] && [ -n "${MENTIONDESK_EVENTS_TOKEN:-}" ]; then
    # the values go inside Perl's '...' quotes below
    for value in "$MENTIONDESK_EVENTS_URL" "$MENTIONDESK_EVENTS_TOKEN"; do
        case "$value" in *"'"*|*"\\"*) echo "MENTIONDESK_EVENTS_*: no quotes or backslashes" >&2; exit 2;; esac
    done
    cat >>"$DIR/RT_SiteConfig.pm" <<CONF
Set(\$MentiondeskEventsURL, '$MENTIONDESK_EVENTS_URL');
Set(\$MentiondeskEventsToken, '$MENTIONDESK_EVENTS_TOKEN');
CONF
fi
if [ -n "${MENTIONDESK_REPLIES_URL:-}" ] && [ -n "${MENTIONDESK_REPLIES_SECRET:-}" ]; then
    for value in "$MENTIONDESK_REPLIES_URL" "$MENTIONDESK_REPLIES_SECRET"; do
        case "$value" in *"'"*|*"\\"*) echo "MENTIONDESK_REPLIES_*: no quotes or backslashes" >&2; exit 2;; esac
    done
    cat >>"$DIR/RT_SiteConfig.pm" <<CONF
Set(\$MentiondeskRepliesURL, '$MENTIONDESK_REPLIES_URL');
Set(\$MentiondeskRepliesSecret, '$MENTIONDESK_REPLIES_SECRET');
CONF
fi
echo '1;' >>"$DIR/RT_SiteConfig.pm"
export RT_SITE_CONFIG="$DIR/RT_SiteConfig.pm" RT_SITE_CONFIG_DIR="$DIR/site.d"

printf '%s\n' "$RT_PASSWORD" >"$DIR/root-password"
{
    "$SBIN" --action init --skip-create --root-password-file "$DIR/root-password" &&
    RT5_TOKEN_FILE="$DIR/token" "$SBIN" --action insert --datafile "$HERE/seed.pl" &&
    "$SBIN" --action insert --datafile "$REPLIES_SCRIP"
} >"$DIR/setup.log" 2>&1 </dev/null || { tail -n 30 "$DIR/setup.log" >&2; exit 1; }

{
    echo "RT_URL=http://127.0.0.1:$PORT"
    echo "RT_USER=$RT_USER"
    echo "RT_PASSWORD=$RT_PASSWORD"
    if [ -s "$DIR/token" ]; then echo "RT_TOKEN=$(cat "$DIR/token")"; fi
} >"$DIR/env"

# setsid: own process group, so stop.sh can kill the Starlet workers too.
nohup setsid "$SERVER" --host 127.0.0.1 --port "$PORT" --max-workers 2 \
    >"$DIR/rt.log" 2>&1 </dev/null &
echo $! >"$DIR/rt.pid"

for _ in $(seq 120); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -u "$RT_USER:$RT_PASSWORD" \
        "http://127.0.0.1:$PORT/REST/2.0/rt" || true)
    [ "$code" = 200 ] && exit 0
    kill -0 "$(cat "$DIR/rt.pid")" 2>/dev/null || break
    sleep 0.5
done
echo "RT did not come up on port $PORT (last HTTP status: ${code:-none})" >&2
tail -n 30 "$DIR/rt.log" "$DIR/rt-app.log" >&2 2>/dev/null || true
"$HERE/stop.sh" "$DIR" || true
exit 1
