#!/usr/bin/env bash
# Video meetings: installs Janus and Chromium from Debian, runs the Janus contract test against a
# real Janus, then the browser test (three headless Chromium participants in one meeting).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CI=true

need=()
command -v janus >/dev/null || need+=(janus)
command -v chromium >/dev/null || need+=(chromium)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
janus --version 2>/dev/null | head -1 || true

echo "-- Janus media adapter contract"
PARTA_TEST_FILTER=media/ node scripts/test.mjs

if [ -f apps/web/e2e/meeting.e2e.ts ]; then
  echo "-- meeting in three browsers"
  [ -f apps/web/dist/index.html ] || npm run build --silent
  timeout 300 node --import tsx apps/web/e2e/meeting.e2e.ts
fi
