#!/usr/bin/env bash
# The whole test suite from a fresh clone: installs the pinned pnpm through npm, the
# workspace's packages, builds every package and runs every test. Needs only Node 20+
# and npm; tests that drive real peers (curl, wrk, openssl, chromium) need
# scripts/install-peers.sh first on a machine that lacks them.
set -euo pipefail
cd "$(dirname "$0")/.."
PNPM=(npx --yes pnpm@12.4.2)
"${PNPM[@]}" install --frozen-lockfile
node scripts/check-changesets.mjs
"${PNPM[@]}" run build
"${PNPM[@]}" run typecheck
"${PNPM[@]}" run lint
# The API reference (TypeDoc): fails on an undocumented export, an export without an
# @example, or a broken link.
"${PNPM[@]}" run docs:api
"${PNPM[@]}" run test
