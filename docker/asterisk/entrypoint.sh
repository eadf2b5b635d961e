#!/bin/sh
# Entrypoint of the Asterisk container (docker/asterisk/Dockerfile). Runs as root only to prepare, then
# starts Asterisk as the unprivileged `asterisk` user:
#
# 1. The ARI password. /etc/asterisk is config/asterisk/ as committed, whose ari.conf carries the
#    development password and ends with `#tryinclude ari_users.conf`. This script writes that
#    ari_users.conf with the deployment's password, appended to the `callcenter` user (`(+)`), so the
#    later value wins and the development password no longer works. The password comes from
#    ARI_PASSWORD (the same .env the service reads) or, if that is unset, from the file ARI_PASSWORD_FILE
#    (default /run/secrets/ari_password, a Docker secret). Start-up fails without one.
# 2. Site files. *.conf files in /etc/asterisk-local (a read-only bind mount of the host's
#    local/asterisk/: pjsip_local.conf, extensions_local.conf, modules_local.conf) are copied into
#    /etc/asterisk. They may only add files: one that would replace a file of config/asterisk/ is
#    refused, so that folder stays the one source of truth.
# 3. Ownership of the recording spool (a volume: one created by an older image that ran Asterisk as root
#    holds root's files), then Asterisk in the foreground as `asterisk`, without capabilities.
#
# `callcenter-asterisk-entrypoint sync` (docker compose exec asterisk callcenter-asterisk-entrypoint sync)
# does 1 and 2 again in the running container and reloads Asterisk: site files edited on the host take
# effect without a restart, like `scripts/pbx.sh sync`.
set -eu

say() { printf 'asterisk-entrypoint: %s\n' "$*" >&2; }
die() {
  say "$*"
  exit 78
}

etc=/etc/asterisk
local_dir=/etc/asterisk-local
committed=/usr/share/callcenter/asterisk-config.list

write_ari_users() {
  password=${ARI_PASSWORD:-}
  if [ -z "$password" ]; then
    file=${ARI_PASSWORD_FILE:-/run/secrets/ari_password}
    if [ -r "$file" ]; then
      # First line only, without a trailing newline or carriage return.
      password=$(head -n 1 "$file" | tr -d '\r\n')
    fi
  fi
  [ -n "$password" ] || die "no ARI password: set ARI_PASSWORD (in .env) or provide the secret ari_password"
  [ "$password" != "callcenter-dev-secret" ] ||
    die "ARI_PASSWORD is the development password; generate one (openssl rand -hex 24)"
  [ "${#password}" -ge 16 ] || die "ARI_PASSWORD is shorter than 16 characters"
  # Letters, digits and - . _ ~ only: nothing Asterisk's config parser (; starts a comment) or a URL
  # (ari-client sends user:password in its WebSocket URL) would read differently.
  case "$password" in
    *[!A-Za-z0-9._~-]*) die "ARI_PASSWORD may hold only letters, digits and - . _ ~ (e.g. openssl rand -hex 24)" ;;
  esac

  tmp="$etc/.ari_users.conf.tmp"
  (
    umask 027
    cat >"$tmp" <<EOF
; Written by the container's entrypoint from ARI_PASSWORD; not part of config/asterisk/.
; Appends to the user of ari.conf, so this password replaces the development one.
[callcenter](+)
password = $password
EOF
  )
  chown root:asterisk "$tmp"
  chmod 0640 "$tmp"
  mv -f "$tmp" "$etc/ari_users.conf"
  unset password ARI_PASSWORD
}

copy_site_files() {
  # Refuse before changing anything.
  for f in "$local_dir"/*.conf; do
    [ -f "$f" ] || continue
    name=$(basename "$f")
    if [ "$name" != "ari_users.conf" ] && grep -qxF "$name" "$committed"; then
      die "$f would replace $name of config/asterisk/; change that file in the repository instead"
    fi
  done
  # Start from the committed files each time: a site file removed from the host since the last start
  # (the container keeps its /etc/asterisk across restarts) must not linger.
  for f in "$etc"/*; do
    name=$(basename "$f")
    [ "$name" = "ari_users.conf" ] && continue
    grep -qxF "$name" "$committed" || rm -f "$f"
  done
  [ -d "$local_dir" ] || return 0
  for f in "$local_dir"/*.conf; do
    [ -f "$f" ] || continue
    name=$(basename "$f")
    if [ "$name" = "ari_users.conf" ]; then
      say "ignoring $f: the ARI password comes from ARI_PASSWORD"
      continue
    fi
    cp "$f" "$etc/$name"
    chown root:asterisk "$etc/$name"
    chmod 0640 "$etc/$name"
    say "added $name from $local_dir"
  done
}

if [ "${1:-}" = "sync" ]; then
  write_ari_users
  copy_site_files
  exec asterisk -rx "core reload"
fi

write_ari_users
copy_site_files

mkdir -p /var/spool/asterisk/recording /run/asterisk /var/log/asterisk
find /var/spool/asterisk/recording /run/asterisk /var/log/asterisk ! -user asterisk \
  -exec chown asterisk:asterisk {} +
# A control socket or pid file left by a killed container would make Asterisk think it is running.
rm -f /run/asterisk/asterisk.ctl /run/asterisk/asterisk.pid

exec setpriv --reuid=asterisk --regid=asterisk --init-groups --inh-caps=-all --bounding-set=-all \
  --no-new-privs -- "$@"
