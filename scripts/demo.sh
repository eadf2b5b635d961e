#!/usr/bin/env bash
# The demo, on a fresh Debian/Ubuntu machine, as root:
#
#   bash scripts/demo.sh
#
# Installs what is missing (redis-server, debootstrap, curl; nodejs only when node is missing or older
# than 20, npm only when missing), runs `npm ci` if node_modules is missing, builds the web app
# (npm run build:web), brings up the PBX (scripts/pbx.sh up), starts a redis-server on 127.0.0.1:6379 if
# nothing answers there, creates (once) an admin API key, prints how to place a test call, then runs the service in the foreground
# (`npm start`, config/demo.json: config/default.json's values plus SMS to a local SMSC and a fax number).
# Ctrl-C stops the service gracefully. Safe to run again: each step is skipped when already done.
#
# Environment: REDIS_URL set -> no local Redis is started. ARI_PASSWORD set -> used as is; otherwise the
# [callcenter] password from config/asterisk/ari.conf is passed to the service (see README).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
project=$(cd "$here/.." && pwd)
cd "$project"

say() { printf 'demo: %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 1
}

[ "$(id -u)" = 0 ] || die "run as root: the PBX needs debootstrap, chroot and mount (see scripts/pbx.sh)"
[ -f /etc/debian_version ] || die "needs a Debian or Ubuntu machine (apt-get, debootstrap)"

# --- 1. packages -------------------------------------------------------------------------------------
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
# package.json "engines": node >= 20.19
node_ok() {
  command -v node >/dev/null &&
    node -e 'const [a, b] = process.versions.node.split(".").map(Number); process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'
}

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v curl >/dev/null || missing+=(curl)
if ! command -v node >/dev/null || [ "$(node_major)" -lt 20 ]; then
  missing+=(nodejs)
fi
command -v npm >/dev/null || missing+=(npm)
# Fax (docs/fax.md): PDF to fax TIFF (ghostscript), received TIFF to PDF (libtiff-tools), page count.
command -v gs >/dev/null || missing+=(ghostscript)
command -v tiff2pdf >/dev/null || missing+=(libtiff-tools)
command -v pdfinfo >/dev/null || missing+=(poppler-utils)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
node_ok || die "node $(node -v 2>/dev/null || echo missing) is too old: the service needs Node >= 20.19.
      Install Node 20 (e.g. from NodeSource or the official tarball) and run this again."

# --- 2. dependencies ---------------------------------------------------------------------------------
# (Also when a checkout's node_modules predates the web app's build tools.)
if [ ! -d node_modules ] || [ ! -x node_modules/.bin/vite ]; then
  say "installing npm dependencies (npm ci)"
  # See .ci/run: the registry here lacks other platforms' optional builds, which npm ci may refuse.
  npm ci || npm install
fi

# The web app the service serves at / (web/dist).
say "building the web app (npm run build:web)"
npm run --silent build:web >/dev/null

# --- 3. the PBX --------------------------------------------------------------------------------------
bash scripts/pbx.sh up

# The ARI password the PBX has. config/default.json must carry the same one; the environment overrides it.
ari_conf_password=$(awk '
  /^[[:space:]]*\[/ { section = $0; gsub(/[[:space:]]/, "", section) }
  section == "[callcenter]" && /^[[:space:]]*password[[:space:]]*=/ {
    sub(/^[^=]*=[[:space:]]*/, ""); sub(/[[:space:]]*(;.*)?$/, ""); print; exit
  }' config/asterisk/ari.conf)
if [ -z "${ARI_PASSWORD:-}" ]; then
  [ -n "$ari_conf_password" ] || die "no password for [callcenter] in config/asterisk/ari.conf"
  default_password=$(node -p 'require("./config/default.json").ari?.password ?? ""')
  if [ "$default_password" != "$ari_conf_password" ]; then
    say "config/default.json's ari.password differs from config/asterisk/ari.conf: passing ARI_PASSWORD"
  fi
  export ARI_PASSWORD="$ari_conf_password"
  password_shown="$ari_conf_password"
else
  password_shown='$ARI_PASSWORD'
fi

# --- 4. Redis ----------------------------------------------------------------------------------------
# Prints what 127.0.0.1:6379 answers to PING (empty when nothing listens).
redis_reply() {
  timeout 2 bash -c 'exec 3<>/dev/tcp/127.0.0.1/6379 && printf "PING\r\n" >&3 && IFS= read -r line <&3 && printf "%s" "$line"' \
    2>/dev/null || true
}
if [ -n "${REDIS_URL:-}" ]; then
  say "using REDIS_URL from the environment"
else
  reply=$(redis_reply)
  if [[ "$reply" == +PONG* ]]; then
    say "Redis answers on 127.0.0.1:6379"
  elif [ -n "$reply" ]; then
    die "127.0.0.1:6379 answers PING with '${reply%$'\r'}' (a password?); set REDIS_URL to a usable Redis"
  else
    say "starting redis-server on 127.0.0.1:6379 (data in .data/redis, no persistence)"
    mkdir -p .data/redis
    redis-server --bind 127.0.0.1 --port 6379 --daemonize yes --save '' --appendonly no \
      --dir "$project/.data/redis" --logfile "$project/.data/redis/redis.log" \
      --pidfile "$project/.data/redis/redis.pid"
    for _ in $(seq 1 50); do
      [[ "$(redis_reply)" == +PONG* ]] && break
      sleep 0.1
    done
    [[ "$(redis_reply)" == +PONG* ]] || die "redis-server did not answer; see .data/redis/redis.log"
  fi
fi

# --- 5. the service, once ----------------------------------------------------------------------------
# The demo's configuration: default.json's, plus SMS through the local SMSC below and the fax number
# +49305550100 (a fax sent to it loops back into the service). The fax spool is the PBX root's, which
# Asterisk sees as /var/spool/asterisk/fax.
export CONFIG_FILE="${CONFIG_FILE:-config/demo.json}"
export DEMO_SMSC_PASSWORD="${DEMO_SMSC_PASSWORD:-demo}"
export FAX_SPOOL_DIR="${FAX_SPOOL_DIR:-${PBX_CACHE_DIR:-/var/cache/callcenter-pbx}/root/var/spool/asterisk/fax}"
api_port=${API_PORT:-3000} # config/demo.json: api.port
if curl -fsS -m 2 "http://127.0.0.1:$api_port/healthz" >/dev/null 2>&1; then
  say "something already serves http://127.0.0.1:$api_port/healthz: the service is running; not starting another"
  exit 0
fi

# The SMS provider of the demo: a local SMSC (scripts/demo-smsc.ts) on 127.0.0.1:2775, in the background,
# reading customers' replies from .data/demo-smsc.in (one "<number> <text>" a line).
if ! (exec 3<>/dev/tcp/127.0.0.1/2775) 2>/dev/null; then
  say "starting the demo SMSC on 127.0.0.1:2775 (log: .data/demo-smsc.log)"
  mkdir -p .data
  : >>.data/demo-smsc.in
  nohup bash -c 'tail -n 0 -F .data/demo-smsc.in | exec node --import tsx scripts/demo-smsc.ts' \
    >.data/demo-smsc.log 2>&1 &
  for _ in $(seq 1 50); do
    (exec 3<>/dev/tcp/127.0.0.1/2775) 2>/dev/null && break
    sleep 0.2
  done
fi

# --- 6. an admin API key -----------------------------------------------------------------------------
# Only the key's hash is stored, so the demo keeps the plaintext in .data/ (git-ignored) and reuses it
# while the store still has it unrevoked.
key_file=.data/demo-admin.key
key=''
if [ -s "$key_file" ]; then
  key=$(cat "$key_file")
  prefix=${key:0:12} # the key's first 12 characters are kept in clear (PREFIX in `keys list`)
  listing=$(npm run --silent keys -- list)
  # The key's row ends with REVOKED = '-' while it is valid.
  if ! awk -v p="$prefix" 'index($0, p) && /[[:space:]]-$/ { found = 1 } END { exit !found }' <<<"$listing"; then
    key='' # revoked, or the store was reset
  fi
fi
if [ -z "$key" ]; then
  key=$(npm run --silent keys -- create --name demo-admin --role admin | tail -n 1)
  [[ "$key" == cc_* ]] || die "could not create the admin key: $key"
  mkdir -p .data
  (umask 077 && printf '%s\n' "$key" >"$key_file")
  say "created the admin API key demo-admin (saved in $key_file)"
fi

# --- 7. demo data ------------------------------------------------------------------------------------
# Seats on simulated phones and an active campaign whose customers are simulated in the PBX; the dialer
# dials them through [sim-customers] instead of a trunk (unless DIALER_DIAL_STRING is set).
sim_dial='Local/{digits}@sim-customers'
export DIALER_DIAL_STRING="${DIALER_DIAL_STRING:-$sim_dial}"
node --import tsx scripts/demo-seed.ts

# People's accounts for the demo agents agent2 (a simulated phone) and agent3 (the browser is the phone): they
# sign in to the web app. The seed made the agents.
demo_password=demo-agent-2024
demo_account() {
  local user=$1
  if ! npm run --silent keys -- account list | awk -v u="$user" '$2 == u { found = 1 } END { exit !found }'; then
    printf '%s\n' "$demo_password" |
      npm run --silent keys -- account create --username "$user" --role agent --agent "$user" --password-stdin >/dev/null ||
      die "could not create the demo agent's account $user"
    say "created the account $user for the demo agent $user"
  fi
}
demo_account agent2
demo_account agent3
demo_user=agent2

auth="Authorization: Bearer $key"
api="http://127.0.0.1:$api_port"
cat <<EOF

==================================================================================================
 Call-center demo
   admin API key : $key
   API           : http://127.0.0.1:$api_port   (docs: http://127.0.0.1:$api_port/docs)
   web app       : http://127.0.0.1:$api_port/
                   demo agent: user $demo_user, password $demo_password (agent2's workspace)
                   talk through the browser: user agent3, password $demo_password (see below)

 From another terminal, as root, in $project:
   place a test call to the 400 hotline (the far end is the [sim] 'answer' extension):
     bash scripts/pbx.sh rx "channel originate Local/400@from-callers extension answer@sim"
   or the same over ARI:
     curl -sS -u 'callcenter:$password_shown' -X POST \\
       'http://127.0.0.1:8088/ari/channels?endpoint=Local%2F400%40from-callers&context=sim&extension=answer&priority=1&callerId=Demo%20%3C%2B4930123456789%3E'
   live channels:    bash scripts/pbx.sh rx "core show channels"
   Asterisk's log:   bash scripts/pbx.sh logs
   check readiness:  curl -s http://127.0.0.1:$api_port/readyz
   who am I:         curl -s -H 'Authorization: Bearer $key' http://127.0.0.1:$api_port/v1/whoami

 The call runs the 400 hotline flow (config/ivr/hotline.json): business hours in Shanghai, then a
 menu (1: queue, 2: callback, 3: voice message). Log an agent in to take queued callers:
   curl -s -X POST -H '$auth' -H 'content-type: application/json' -d '{"event":"login"}' $api/v1/agents/hotline1/state
   curl -s -X POST -H '$auth' -H 'content-type: application/json' -d '{"event":"ready"}' $api/v1/agents/hotline1/state

 The preview dialer: campaign "demo" is active with 5 simulated customers. Log agent2 in (login, ready
 as above, with agent2), then:
   curl -s -H '$auth' $api/v1/agents/agent2/preview                      # the lead offered
   curl -s -X POST -H '$auth' $api/v1/agents/agent2/preview/accept       # dial it (agent hears ringing)
   curl -s -H '$auth' $api/v1/agents/agent2                              # on-call once answered
   curl -s -X POST -H '$auth' $api/v1/agents/agent2/dialer/hangup        # end the call
   curl -s -X POST -H '$auth' -H 'content-type: application/json' -d '{"code":"sale","notes":"demo"}' \\
        $api/v1/agents/agent2/disposition                                # then the next lead comes
   curl -s -H '$auth' $api/v1/campaigns/demo/stats                       # live statistics
 Live events: curl -N -H '$auth' $api/v1/events

 Talk to a simulated customer through the browser (agent3's line is the browser itself): open
 http://127.0.0.1:$api_port/ in Chrome or Firefox ON THIS MACHINE (or over an SSH tunnel:
 ssh -L $api_port:127.0.0.1:$api_port -L 8088:127.0.0.1:8088 root@this-host, then the same address on
 yours; the browser's audio (UDP 10000-10999) must reach this host), sign in as agent3, allow the
 microphone. The phone panel says 已就绪 (Ready); press 登录话机 (log in the line): the page answers its own line; press
 就绪 (Ready): a lead of campaign "demo-web" is offered; press 接受并拨号 (Accept and dial, or A). The customer answers, says
 "this is the echo test" and repeats what you say. Hang up, give an outcome, and the next one comes.

 SMS (the local SMSC accepts every message and sends its receipt; .data/demo-smsc.log shows them):
   curl -s -X POST -H '$auth' -H 'content-type: application/json' $api/v1/sms/campaigns -d \
     '{"name":"Demo SMS","template":"{{name}}您好，本周优惠已开始。回TD退订",
       "recipients":{"kind":"leads","campaignId":"demo"}}'                # answers the campaign's id
   curl -s -X POST -H '$auth' $api/v1/sms/campaigns/<id>/start
   curl -s -H '$auth' $api/v1/sms/campaigns/<id>                         # counts: delivered ...
   a customer replies (an opt-out):  echo '+493020990001 TD' >> $project/.data/demo-smsc.in
   curl -s -H '$auth' $api/v1/sms/opt-outs
 After a sale, agent3's screen offers 发送确认短信 (a confirmation SMS to that customer).

 A fax loop (the service faxes a PDF to its own fax number +49 30 5550100 over the PBX; the received copy is
 stored as a PDF):
   curl -s -X POST -H '$auth' -H 'content-type: application/pdf' --data-binary @some.pdf \
     '$api/v1/faxes?number=%2B49305550100'
   curl -s -H '$auth' $api/v1/faxes                                      # sent and received, with pages
   curl -s -H '$auth' -o received.pdf $api/v1/faxes/<id of the received one>/pdf

 Ctrl-C stops the service (the PBX, Redis and the demo SMSC keep running; scripts/pbx.sh down stops the PBX).
==================================================================================================

EOF

exec npm start
