import { afterEach, describe, expect, it } from 'vitest';
import { MemoryLogger } from '@diesel/core/testing';
import { createEchoClosedApp } from '../examples/echo-connection-closed.js';
import { closed, connectTcp, eventually, readLine } from './examples-helpers.js';

describe('example: echo with ConnectionClosed handling, over TCP', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const step of cleanup.splice(0).reverse()) step();
  });

  async function start() {
    const trace: string[] = [];
    const { app, flat, nested } = createEchoClosedApp({ port: 0, nestedPort: 0, trace: (line) => trace.push(line) });
    const logger = new MemoryLogger();
    app.hub.logger = logger;
    await app.start();
    cleanup.push(() => app.halt());
    return { trace, flat, nested, logger };
  }

  /** Talks once, then leaves; returns the client's port (the server names clients host:port). */
  async function talkAndLeave(port: number, how: 'end' | 'reset'): Promise<number> {
    const socket = await connectTcp(port);
    cleanup.push(() => socket.destroy());
    socket.write('hi\r\n');
    expect(await readLine(socket)).toBe('you said: hi\r\n');
    const where = socket.localPort!;
    if (how === 'end') socket.end();
    else socket.resetAndDestroy();
    await closed(socket);
    return where;
  }

  for (const how of ['end', 'reset'] as const) {
    it(`flat: the handler catches ConnectionClosed when the client leaves (${how === 'end' ? 'FIN' : 'RST'})`, async () => {
      const { trace, flat, logger } = await start();
      const who = await talkAndLeave(flat.port, how);
      await eventually(() => trace.length >= 2, 'the flat handler to finish');
      expect(trace[0]).toMatch(new RegExp(`^flat: \\S+:${who} left \\(DIESEL_ERR_CONNECTION_CLOSED: .+\\)$`));
      expect(trace[1]).toMatch(new RegExp(`^flat: handler for \\S+:${who} finished$`));
      expect(trace).toHaveLength(2);
      // Handled, so nothing is logged as an error.
      expect(logger.lines.filter((line) => line.startsWith('error'))).toEqual([]);
    });

    it(`nested: ConnectionClosed travels up the generator stack, each frame's finally running innermost first (${how === 'end' ? 'FIN' : 'RST'})`, async () => {
      const { trace, nested, logger } = await start();
      const who = await talkAndLeave(nested.port, how);
      await eventually(() => trace.length >= 5, 'the nested handler to finish');
      // The first round finished normally (one line echoed), so its frames unwound once already.
      expect(trace.slice(0, 2)).toEqual(['nested: readMessage finally', 'nested: echoOnce finally']);
      // Second round: the read two calls down gets ConnectionClosed.
      expect(trace.slice(2, 4)).toEqual(['nested: readMessage finally', 'nested: echoOnce finally']);
      expect(trace[4]).toMatch(new RegExp(`^nested: \\S+:${who} left \\(DIESEL_ERR_CONNECTION_CLOSED: .+\\)$`));
      expect(trace[5]).toMatch(new RegExp(`^nested: handler for \\S+:${who} finished$`));
      expect(trace).toHaveLength(6);
      expect(logger.lines.filter((line) => line.startsWith('error'))).toEqual([]);
    });
  }

  it('a client leaving one handler does not disturb a client of the other', async () => {
    const { trace, flat, nested } = await start();
    const staying = await connectTcp(nested.port);
    cleanup.push(() => staying.destroy());
    await talkAndLeave(flat.port, 'end');
    await eventually(() => trace.some((line) => line.startsWith('flat: handler')), 'the flat handler to finish');
    staying.write('still here\r\n');
    expect(await readLine(staying)).toBe('you said: still here\r\n');
  });
});
