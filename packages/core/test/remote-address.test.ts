/**
 * What a handler is told about its peer: on a dual-stack listener (no host given) an IPv4
 * client is an IPv4 address, not the IPv4-mapped `::ffff:127.0.0.1` the socket reports.
 */
import net from 'node:net';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { Application, Service, type RemoteAddress } from '../src/index.js';
import { MemoryLogger } from '../src/testing/index.js';

// Containers often run without IPv6 loopback; the IPv6 case needs it.
const hasIpv6Loopback = Object.values(os.networkInterfaces()).some((list) => list?.some((i) => i.address === '::1'));

const apps: Application[] = [];
afterEach(async () => {
  for (const app of apps.splice(0)) {
    app.halt();
    await app.halted();
  }
});

async function peerSeenFrom(host: string | undefined, dial: string): Promise<{ remote: RemoteAddress; clientPort: number }> {
  const seen: RemoteAddress[] = [];
  const service = new Service(
    function* greet(remote: RemoteAddress) {
      seen.push(remote);
      yield `hello ${remote.host}\r\n`;
    },
    host === undefined ? 0 : { port: 0, host },
  );
  const app = new Application({ logger: new MemoryLogger() }).addService(service);
  apps.push(app);
  await app.start();
  const { line, clientPort } = await new Promise<{ line: string; clientPort: number }>((resolve, reject) => {
    const socket = net.connect(service.port, dial);
    let got = '';
    socket.on('data', (chunk) => (got += chunk.toString()));
    socket.on('end', () => resolve({ line: got, clientPort: socket.localPort ?? -1 }));
    socket.on('error', reject);
  });
  expect(line).toBe(`hello ${seen[0]!.host}\r\n`);
  return { remote: seen[0]!, clientPort };
}

describe('RemoteAddress', () => {
  it('an IPv4 client of a dual-stack listener is 127.0.0.1, family IPv4', async () => {
    const { remote, clientPort } = await peerSeenFrom(undefined, '127.0.0.1');
    expect(remote).toEqual({ host: '127.0.0.1', port: clientPort, family: 'IPv4' });
  });

  it('an IPv4 listener reports the same', async () => {
    const { remote } = await peerSeenFrom('127.0.0.1', '127.0.0.1');
    expect(remote.host).toBe('127.0.0.1');
    expect(remote.family).toBe('IPv4');
  });

  it.skipIf(!hasIpv6Loopback)('an IPv6 client stays IPv6', async () => {
    const { remote } = await peerSeenFrom(undefined, '::1');
    expect(remote.host).toBe('::1');
    expect(remote.family).toBe('IPv6');
  });
});
