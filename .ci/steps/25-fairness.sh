#!/usr/bin/env bash
# Fairness: other users' p99 of GET /api/v1/chats, quiet and while one WebSocket floods at full
# speed (bench/fairness.ts). A few seconds; the figures are printed for the log.
set -euo pipefail
cd "$(dirname "$0")/../.."
npm run --silent bench:fairness -- --seconds "${PARTA_CI_FAIRNESS_SECONDS:-3}"
