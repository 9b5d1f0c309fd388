import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { Application, Service, until, sleep, wait, fire, Loop, first, bytes, ConnectionClosed } from '../src/index.js';
import { readUntil } from '../src/testing/index.js';

describe('smoke', () => {
  it('echoes', async () => {
    function* echo() {
      while (true) {
        const line = yield* until('\r\n');
        yield `you said: ${line}`;
      }
    }
    const app = new Application();
    const svc = new Service(echo, 0);
    app.addService(svc);
    await app.start();
    const s = net.connect(svc.port, '127.0.0.1');
    s.write('hi\r\n');
    expect(await readUntil(s, '\r\n')).toBe('you said: hi\r\n');
    s.destroy();
    app.halt();
  });
});
