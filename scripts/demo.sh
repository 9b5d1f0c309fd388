#!/usr/bin/env bash
# Starts the main demo in one process: HTTP page, WebSocket live graph, chat (TCP and
# browser) and echo. Needs only Node 20+ and npm.
set -euo pipefail
cd "$(dirname "$0")/.."
PNPM=(npx --yes pnpm@12.4.2)
"${PNPM[@]}" install --frozen-lockfile
"${PNPM[@]}" run build
exec node docs/dist/docs/demo/main.js "$@"
