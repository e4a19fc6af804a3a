#!/usr/bin/env bash
# Stops the loopback Postfix and the auth-only Dovecot started by postfix-up.sh.
# Idempotent: succeeds when nothing is installed or running.
set -euo pipefail

STATE_DIR="${SMTP_PROBE_E2E_DIR:-/tmp/smtp-probe-e2e}"
DOVECOT_PID_FILE="$STATE_DIR/dovecot/run/master.pid"

log() { printf 'postfix-down: %s\n' "$*"; }

# alive PID: the process exists and is not a zombie (a daemon's zombie may wait a while for
# its reaper when PID 1 is not a regular init).
alive() {
  local state
  state="$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null || true)"
  [ -n "$state" ] && [ "$state" != "Z" ]
}

# Postfix: one instance per machine (the default config directory).
if [ -x /usr/sbin/postfix ] && /usr/sbin/postfix status >/dev/null 2>&1; then
  log "stopping postfix"
  /usr/sbin/postfix stop >/dev/null 2>&1 || true
  for _ in $(seq 1 100); do
    /usr/sbin/postfix status >/dev/null 2>&1 || break
    sleep 0.1
  done
  if /usr/sbin/postfix status >/dev/null 2>&1; then
    log "postfix still running after 10 s; sending abort"
    /usr/sbin/postfix abort >/dev/null 2>&1 || true
  fi
fi

# Dovecot: only the instance whose base_dir is under our state directory.
if [ -f "$DOVECOT_PID_FILE" ]; then
  pid="$(cat "$DOVECOT_PID_FILE" 2>/dev/null || true)"
  if [[ "$pid" =~ ^[0-9]+$ ]] && alive "$pid" &&
    [ "$(cat "/proc/$pid/comm" 2>/dev/null || true)" = "dovecot" ]; then
    log "stopping dovecot (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      alive "$pid" || break
      sleep 0.1
    done
    if alive "$pid"; then
      log "dovecot still running after 10 s; killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$DOVECOT_PID_FILE"
fi

exit 0
