// The sink routines the bulk-read benchmarks share (core's TCP sink, tls's TLS sink): each
// reads one connection until the peer's FIN and reports how many bytes it counted, so
// the parent can check nothing was lost. One copy here, so the TCP and TLS rows measure
// exactly the same diesel code and the same peer code.
//
// The routine factories take core's tokens as an argument: a bench child imports them
// from its own package's resolution of @diesel/core (one core per process).

/** The block size the `bytes` sinks read and the `join` peers frame. */
export const BLOCK = 65536;

/**
 * diesel sinks: `bytes` reads `bytes(BLOCK)` to EOF (the tail comes with ConnectionClosed),
 * `receive` reads `receive()` to EOF. `report(total)` is called once per connection.
 */
export function dieselSinks({ ConnectionClosed, bytes, receive }, report) {
  function* sinkBytes() {
    let total = 0;
    try {
      for (;;) total += (yield* bytes(BLOCK)).length;
    } catch (error) {
      if (!(error instanceof ConnectionClosed)) throw error;
      total += error.buffered.length;
    }
    report(total);
  }
  function* sinkReceive() {
    let total = 0;
    try {
      for (;;) total += (yield* receive()).length;
    } catch (error) {
      if (!(error instanceof ConnectionClosed)) throw error;
    }
    report(total);
  }
  return { bytes: sinkBytes, receive: sinkReceive };
}

/**
 * The Node peer's connection listener: counts 'data' chunks as they come (`join`
 * false), or (`join` true) frames them into BLOCK-byte buffers as a Node server must to
 * hand out fixed-size blocks — what `bytes(BLOCK)` does — with one copy per block that
 * spans chunks, none for a chunk that lines up. `report(total)` once per connection.
 */
export function nodeSink(report, { join = false } = {}) {
  return (socket) => {
    let total = 0;
    let parts = [];
    let held = 0;
    socket.on('data', (chunk) => {
      if (!join) {
        total += chunk.length;
        return;
      }
      parts.push(chunk);
      held += chunk.length;
      while (held >= BLOCK) {
        let block;
        const head = parts[0];
        if (head.length >= BLOCK) {
          block = head.subarray(0, BLOCK);
          if (head.length === BLOCK) parts.shift();
          else parts[0] = head.subarray(BLOCK);
        } else {
          block = Buffer.allocUnsafe(BLOCK);
          for (let filled = 0; filled < BLOCK; ) {
            const part = parts[0];
            const n = Math.min(part.length, BLOCK - filled);
            part.copy(block, filled, 0, n);
            filled += n;
            if (n === part.length) parts.shift();
            else parts[0] = part.subarray(n);
          }
        }
        held -= BLOCK;
        total += block.length;
      }
    });
    socket.on('end', () => {
      report(total + held);
      socket.end();
    });
    socket.on('error', () => {});
  };
}
