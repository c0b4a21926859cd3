#!/usr/bin/env bash
# Makes sure PostgreSQL and Redis answer on loopback; starts (or installs, then starts) them when not.
# Installs Janus (the SFU of the meetings tests) and Chromium (the browser tests) from Debian when missing:
# under CI=true the tests that need them fail rather than skip.
set -euo pipefail

pg_up() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

apt_ready=0
apt_install() {
  if [ "$apt_ready" = 0 ]; then apt-get update -qq; apt_ready=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! pg_up; then
  command -v pg_ctlcluster >/dev/null 2>&1 || apt_install postgresql postgresql-contrib
  if [ -z "$(ls /etc/postgresql 2>/dev/null)" ]; then pg_createcluster 15 main >/dev/null; fi
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || { echo "PostgreSQL did not start" >&2; exit 1; }
fi
echo "PostgreSQL: up"

if ! redis_up; then
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do redis_up && break; sleep 1; done
  redis_up || { echo "Redis did not start" >&2; exit 1; }
fi
echo "Redis: up"

need=()
command -v janus >/dev/null 2>&1 || need+=(janus)
[ -x /usr/bin/chromium ] || need+=(chromium)
# pdftotext and pdftoppm: the minutes test reads the generated PDF.
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
if [ ${#need[@]} -gt 0 ]; then apt_install "${need[@]}"; fi
echo "Janus: $(command -v janus); Chromium: /usr/bin/chromium"
