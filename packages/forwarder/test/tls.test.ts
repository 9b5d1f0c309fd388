import net from 'node:net';
import tls from 'node:tls';
import { Application, Service } from '@diesel/core';
import { MemoryLogger } from '@diesel/core/testing';
import { type DevCertificate, devCertificate } from '@diesel/tls'; // registers the `tls` option with core
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ForwardCloseEvent, forwarder } from '../src/index.js';
import { cleanup, collect, dial, echoServer, startForwarder, track } from './helpers.js';

afterEach(cleanup);

let cert: DevCertificate;
beforeAll(() => {
  cert = devCertificate({ hosts: ['127.0.0.1'] });
});

/** A node:tls echo server. */
async function tlsEcho(): Promise<number> {
  const server = tls.createServer({ key: cert.key, cert: cert.cert }, (socket) => {
    socket.on('error', () => {});
    socket.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  track({ close: () => server.close() });
  return (server.address() as net.AddressInfo).port;
}

describe('forwarder and TLS (@diesel/tls)', () => {
  it('speaks TLS to the target when target.tls is given: a plain client reaches a TLS server', async () => {
    const port = await tlsEcho();
    const fwd = await startForwarder({ host: '127.0.0.1', port, tls: { ca: cert.ca } });
    const client = await dial(fwd.port);
    const received = collect(client);
    client.write('over tls\n');
    await new Promise<void>((resolve) => client.once('data', () => resolve()));
    client.destroy();
    expect((await received).data.toString()).toBe('over tls\n');
  });

  it('reports a target whose certificate does not verify as refused', async () => {
    const port = await tlsEcho();
    const stranger = devCertificate({ hosts: ['127.0.0.1'] }); // another CA
    const fwd = await startForwarder({ host: '127.0.0.1', port, tls: { ca: stranger.ca } });
    const client = await dial(fwd.port);
    const received = collect(client);
    client.once('end', () => client.end());
    expect((await received).data.length).toBe(0);
    const [close] = (await fwd.closed()) as ForwardCloseEvent[];
    expect(close!.reason).toBe('refused');
    expect(close!.error?.message).toMatch(/cannot reach 127\.0\.0\.1:\d+/);
  });

  it('terminates TLS when the Service has the tls option: a TLS client reaches a plain server', async () => {
    const echo = await echoServer();
    const app = new Application({ logger: new MemoryLogger() });
    const service = new Service(forwarder({ host: '127.0.0.1', port: echo.port }), { port: 0, host: '127.0.0.1', tls: { key: cert.key, cert: cert.cert } });
    app.addService(service);
    await app.start();
    track({ close: () => app.halt() });
    const client = tls.connect({ port: service.port, host: '127.0.0.1', ca: cert.ca, servername: '127.0.0.1' });
    track({ close: () => client.destroy() });
    await new Promise<void>((resolve, reject) => {
      client.once('secureConnect', () => resolve());
      client.once('error', reject);
    });
    const reply = new Promise<string>((resolve) => client.once('data', (chunk: Buffer) => resolve(chunk.toString())));
    client.write('decrypted at the forwarder\n');
    expect(await reply).toBe('decrypted at the forwarder\n');
  });
});
