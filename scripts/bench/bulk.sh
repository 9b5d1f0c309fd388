#!/usr/bin/env bash
# `pnpm bench:bulk`: only the benchmarks that write bench-results/*.json in the shared
# shape (the bulk-data rows, the small-message rows they must not regress, TLS echo, the
# forwarder's paths, the chat room, the logger against pino, the Redis client and the Go
# ceiling), then the chart and README tables.
# About fifteen minutes on two shared cores. Core runs all of its bench/run.mjs, whose
# results file (core-run.json) holds the rows it ran: a partial run would drop the queue
# and lock rows from core's README table. `pnpm bench` runs these as well as the rest.
set -euo pipefail
cd "$(dirname "$0")/../.."
(cd packages/core && node bench/bulk.mjs && node bench/read-cost.mjs && node bench/run.mjs)
(cd packages/tls && node bench/bulk.mjs && node bench/run.mjs)
(cd packages/http && node bench/bulk.mjs && node bench/ws-bulk.mjs && BENCH_SKIP_WS=1 node bench/run.mjs && node bench/ws.mjs)
(cd packages/forwarder && node bench/scp.mjs && node bench/run.mjs)
(cd packages/chat && node bench/run.mjs)
(cd packages/log && node bench/run.mjs)
if command -v redis-server >/dev/null; then
  (cd packages/redis && node bench/run.mjs)
else
  echo 'bench:bulk: redis-server is not installed, the Redis rows are left out' >&2
fi
node scripts/bench/go.mjs
node scripts/bench/render.mjs
