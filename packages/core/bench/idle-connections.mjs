// Benchmark 3: COUNT idle connections held by clients in another process; the server's
// memory per connection (RSS and V8 heap, after gc) for a diesel Service vs a raw
// node:net server. Each process holds COUNT sockets (the open-file limit is per process).
// The figure is the slope: WARM connections are opened and HELD first, so one-off costs
// (code, pools, and V8 growing its young generation to its working size, up to 16 MiB
// that would otherwise be charged to the connections) are in the baseline; then COUNT
// more are opened and the growth divided by COUNT.
import { child, sleepMs, tell } from './shared.mjs';

const COUNT = Number(process.argv[2] ?? 10_000);
const WARM = 3000;

async function measure(kind) {
  const server = child('idle-server.mjs', [kind], ['--expose-gc']);
  const { port } = await server.next();
  const opened = [];
  try {
    const warm = child('idle-clients.mjs', [String(port), String(WARM)]);
    opened.push(warm);
    await warm.next();
    server.send({ waitFor: WARM });
    await server.next();
    await sleepMs(300);
    server.send({ memory: true });
    const before = (await server.next()).memory;

    const clients = child('idle-clients.mjs', [String(port), String(COUNT)]);
    opened.push(clients);
    await clients.next();
    server.send({ waitFor: WARM + COUNT });
    await server.next();
    server.send({ memory: true });
    const after = (await server.next()).memory;
    const n = after.connections - before.connections;
    return {
      rssPerConnection: (after.rss - before.rss) / n,
      heapPerConnection: (after.heapUsed - before.heapUsed) / n,
      externalPerConnection: (after.external - before.external) / n,
      connections: n,
    };
  } finally {
    for (const proc of opened) proc.kill();
    server.send({ stop: true });
    await Promise.all([server.exited, ...opened.map((proc) => proc.exited)]);
    await sleepMs(300);
  }
}

const result = { count: COUNT };
for (const kind of ['raw', 'diesel']) result[kind] = await measure(kind);
tell(result);
if (process.send === undefined) console.log(result);
