#!/usr/bin/env bash
# The web client: build (with its size budget), then the browser tests in Debian's Chromium
# against a real server (apps/web/e2e), the three-person meeting through a real Janus among them.
# Chromium and Janus come from apt-get (.ci/services.sh), never from a download tool.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ ! -x /usr/bin/chromium ] || ! command -v janus >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium janus >/dev/null
fi

npm run build
node apps/web/scripts/size.mjs
PARTA_E2E_BUILD=0 node apps/web/scripts/e2e.mjs
