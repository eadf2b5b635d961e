#!/usr/bin/env bash
# A real Asterisk 22 for development, tests, benchmarks and the demo, without Docker.
#
#   scripts/pbx.sh up       create (once) a Debian testing root with Asterisk, copy config/asterisk/ in,
#                           start Asterisk on 127.0.0.1, wait until ARI answers, print its version
#   scripts/pbx.sh down     stop Asterisk and unmount what `up` mounted
#   scripts/pbx.sh status   running or not, with version and ARI state
#   scripts/pbx.sh logs     follow Asterisk's log
#   scripts/pbx.sh cli      Asterisk console (asterisk -r)
#   scripts/pbx.sh rx CMD   run one CLI command
#   scripts/pbx.sh sync     copy config/asterisk/ in again and reload
#   scripts/pbx.sh test-sip add the SIP tests' parties (test/pbx/) to the running PBX and reload PJSIP
#                           and the dialplan, without a restart (PBX_TEST_SIP=1 adds them on up/sync)
#
# Needs root on a Debian/Ubuntu machine (debootstrap, chroot, mount). Elsewhere use `docker compose up`.
# The root lives outside the checkout, in PBX_CACHE_DIR (default /var/cache/callcenter-pbx), and is
# reused by later runs. Safe to run twice; stale pid files and mounts are cleaned up.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
project=$(cd "$here/.." && pwd)
cache=${PBX_CACHE_DIR:-/var/cache/callcenter-pbx}
root="$cache/root"
suite=${PBX_SUITE:-testing}
packages="asterisk asterisk-core-sounds-en-wav asterisk-moh-opsound-wav sox"
marker="$root/.callcenter-pbx-ready"
ari_url=${PBX_ARI_URL:-http://127.0.0.1:8088}
ari_user=${PBX_ARI_USER:-callcenter}
ari_pass=${PBX_ARI_PASSWORD:-callcenter-dev-secret}

say() { printf 'pbx: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

need_root_debian() {
  if [ "$(id -u)" != 0 ]; then
    die "needs root (debootstrap, chroot, mount). Without root, run the PBX with: docker compose up asterisk"
  fi
  if [ ! -f /etc/debian_version ]; then
    die "needs a Debian or Ubuntu host (debootstrap + apt). Elsewhere, run the PBX with: docker compose up asterisk"
  fi
  local missing=()
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  command -v curl >/dev/null || missing+=(curl)
  if [ ${#missing[@]} -gt 0 ]; then
    say "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; } ||
      die "could not install ${missing[*]}"
  fi
}

is_mounted() { mountpoint -q "$1" 2>/dev/null; }

mount_all() {
  mkdir -p "$root/proc" "$root/dev"
  is_mounted "$root/proc" || mount -t proc proc "$root/proc"
  is_mounted "$root/dev" || mount --rbind /dev "$root/dev"
  mount --make-rslave "$root/dev" 2>/dev/null || true
}

unmount_all() {
  local m
  # Deepest first: /dev was bind-mounted recursively.
  for m in $(awk -v r="$root/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r); do
    umount -l "$m" 2>/dev/null || true
  done
}

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }

create_root() {
  [ -f "$marker" ] && return 0
  local tmp="$cache/root.tmp"
  mkdir -p "$cache"
  # A half-made root from an interrupted run: unmount and start again.
  if [ -d "$tmp" ]; then
    root="$tmp" unmount_all
    # --one-file-system: never follow a bind mount (/dev) that failed to unmount.
    rm -rf --one-file-system "$tmp"
  fi
  say "creating a Debian $suite root in $tmp (once; about a minute)"
  debootstrap --variant=minbase "$suite" "$tmp" >"$cache/debootstrap.log" 2>&1 ||
    die "debootstrap failed; see $cache/debootstrap.log"
  # Mirror snapshots can serve a Release file past its Valid-Until date; packages are still signed.
  echo 'Acquire::Check-Valid-Until "false";' >"$tmp/etc/apt/apt.conf.d/99callcenter-no-valid-until"
  mount -t proc proc "$tmp/proc"
  if ! chroot "$tmp" /usr/bin/env DEBIAN_FRONTEND=noninteractive PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    sh -c "apt-get update -q && apt-get install -y -q --no-install-recommends $packages" \
    >"$cache/apt.log" 2>&1; then
    umount "$tmp/proc" || true
    die "installing Asterisk in the root failed; see $cache/apt.log"
  fi
  umount "$tmp/proc" || true
  echo "$packages" >"$tmp/.callcenter-pbx-ready"
  mv "$tmp" "$root"
}

sync_config() {
  # The project's config/asterisk/ is the whole of /etc/asterisk: one source of truth, same as Docker.
  rm -rf "$root/etc/asterisk"
  mkdir -p "$root/etc/asterisk"
  cp -a "$project/config/asterisk/." "$root/etc/asterisk/"
  # Local additions (credentials, trunks) that are not in the repository.
  if [ -n "${PBX_LOCAL_CONFIG_DIR:-}" ] && [ -d "$PBX_LOCAL_CONFIG_DIR" ]; then
    cp -a "$PBX_LOCAL_CONFIG_DIR/." "$root/etc/asterisk/"
  fi
  if [ "${PBX_TEST_SIP:-}" = 1 ]; then copy_test_sip; fi
  # The package does not create the recording spool; without it every recording fails.
  # (Inside the root, /var/run is an absolute link to /run: never follow it from the host.)
  mkdir -p "$root/var/spool/asterisk/recording" "$root/run/asterisk" "$root/var/log/asterisk" \
    "$root/var/lib/asterisk/sounds/custom" "$root/var/spool/asterisk/fax"
  # The fax spool is shared with the service (fax.spool.dir on the host side): both write there.
  chmod 1777 "$root/var/spool/asterisk/fax"
  # pjsip resolves the host name at load: answer it locally.
  printf '127.0.0.1 localhost %s\n::1 localhost ip6-localhost\n' "$(hostname)" >"$root/etc/hosts"
}

# The SIP tests' carrier trunk, phones and contexts (test/pbx/*_test.conf, included by the committed
# files with #tryinclude): new names only, so adding them to a shared PBX changes nothing else.
copy_test_sip() {
  cp "$project"/test/pbx/*_test.conf "$root/etc/asterisk/"
}

cmd_test_sip() {
  [ -d "$root" ] && pid_of >/dev/null || die "not running (start it with: PBX_TEST_SIP=1 scripts/pbx.sh up)"
  local f
  # The includes themselves are in the committed files: bring those up to date too.
  for f in pjsip.conf extensions.conf modules.conf; do cp "$project/config/asterisk/$f" "$root/etc/asterisk/"; done
  copy_test_sip
  load_test_sip
}

load_test_sip() {
  # Loading a module that is loaded already only says so.
  in_root /usr/sbin/asterisk -rx 'module load res_pjsip_header_funcs.so' >/dev/null 2>&1 || true
  # (`pjsip reload` does not pick up new objects from an included file here; a module reload does.)
  in_root /usr/sbin/asterisk -rx 'module reload res_pjsip.so' >/dev/null
  in_root /usr/sbin/asterisk -rx 'dialplan reload' >/dev/null
}

pid_of() {
  local pidfile="$root/run/asterisk/asterisk.pid" pid
  [ -f "$pidfile" ] || return 1
  pid=$(cat "$pidfile" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && grep -q asterisk "/proc/$pid/comm" 2>/dev/null; then
    echo "$pid"
    return 0
  fi
  rm -f "$pidfile" "$root/run/asterisk/asterisk.ctl" # stale
  return 1
}

ari_ready() {
  curl -fsS -m 2 -u "$ari_user:$ari_pass" "$ari_url/ari/asterisk/info" >/dev/null 2>&1
}

version() { in_root /usr/sbin/asterisk -V 2>/dev/null || echo "unknown"; }

cmd_up() {
  need_root_debian
  create_root
  sync_config
  mount_all
  if pid=$(pid_of); then
    say "already running (pid $pid); reloading config"
    in_root /usr/sbin/asterisk -rx 'core reload' >/dev/null 2>&1 || true
    if [ "${PBX_TEST_SIP:-}" = 1 ]; then load_test_sip; fi
  else
    if ss -ltn 2>/dev/null | grep -q '127.0.0.1:8088 '; then
      die "127.0.0.1:8088 is taken by another process; stop it or run: scripts/pbx.sh down"
    fi
    in_root /usr/sbin/asterisk -C /etc/asterisk/asterisk.conf
  fi
  local i
  for i in $(seq 1 150); do
    if ari_ready; then
      say "ARI answers at $ari_url"
      echo "$(version)"
      return 0
    fi
    sleep 0.2
  done
  tail -n 30 "$root/var/log/asterisk/messages.log" >&2 2>/dev/null || true
  die "Asterisk did not answer on $ari_url within 30 s (log above)"
}

cmd_down() {
  [ "$(id -u)" = 0 ] || die "needs root"
  [ -d "$root" ] || { say "no PBX root at $root"; return 0; }
  local pid i
  if pid=$(pid_of); then
    in_root /usr/sbin/asterisk -rx 'core stop now' >/dev/null 2>&1 || kill "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    say "stopped"
  else
    say "not running"
  fi
  rm -f "$root/run/asterisk/asterisk.pid" "$root/run/asterisk/asterisk.ctl"
  unmount_all
}

cmd_status() {
  if [ -d "$root" ] && pid=$(pid_of); then
    echo "running (pid $pid): $(version); ARI $(ari_ready && echo answers || echo 'does not answer') at $ari_url"
  else
    echo "not running"
    return 3
  fi
}

case "${1:-}" in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
logs) exec tail -n 100 -F "$root/var/log/asterisk/messages.log" ;;
cli) exec chroot "$root" /usr/sbin/asterisk -rvvv ;;
rx)
  shift
  in_root /usr/sbin/asterisk -rx "$*"
  ;;
sync)
  sync_config
  in_root /usr/sbin/asterisk -rx 'core reload'
  if [ "${PBX_TEST_SIP:-}" = 1 ]; then load_test_sip; fi
  ;;
test-sip) cmd_test_sip ;;
root) echo "$root" ;;
*)
  sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
  ;;
esac
