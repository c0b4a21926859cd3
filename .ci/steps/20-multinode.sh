#!/usr/bin/env bash
# Realtime on PostgreSQL with Redis: the gateway and pub/sub suites, and two server processes
# on one database, where a client on process A gets what was sent through process B.
set -euo pipefail
cd "$(dirname "$0")/../.."
export DATABASE_URL="${PARTA_CI_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
export REDIS_URL="${PARTA_CI_REDIS_URL:-redis://127.0.0.1:6379}"
PARTA_TEST_FILTER=realtime node scripts/test.mjs
# Presence across processes: no push to a phone while its account is connected to the other process.
PARTA_TEST_FILTER=notifications/multinode node scripts/test.mjs
