#!/usr/bin/env bash
# `pnpm bench:bulk`: only the benchmarks that write bench-results/*.json in the shared
# shape (the bulk-data rows and the Go ceiling), then the chart and README tables.
# About ten minutes on two shared cores. `pnpm bench` runs these as well as the rest.
set -euo pipefail
cd "$(dirname "$0")/../.."
(cd packages/core && node bench/bulk.mjs)
(cd packages/tls && node bench/bulk.mjs)
(cd packages/http && node bench/bulk.mjs && node bench/ws-bulk.mjs)
(cd packages/forwarder && node bench/scp.mjs)
node scripts/bench/go.mjs
node scripts/bench/render.mjs
