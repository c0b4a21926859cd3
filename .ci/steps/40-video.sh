#!/usr/bin/env bash
# Video meetings in the browser: three headless Chromium participants in one meeting through the
# web app and a real Janus. Janus and Chromium are installed by .ci/services.sh (npm test already
# ran the Janus contract and the meetings-with-Janus API tests against them).
set -euo pipefail
cd "$(dirname "$0")/../.."
export CI=true

janus --version 2>/dev/null | head -1 || true
echo "-- meeting in three browsers"
[ -f apps/web/dist/index.html ] || npm run build --silent
timeout 300 node --import tsx apps/web/e2e/meeting.e2e.ts
