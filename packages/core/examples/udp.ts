/**
 * UDP: an echo service, and a client for a tiny request/reply protocol that gives up on
 * a reply after a timeout and retries.
 *
 *   node examples-dist/udp.js [port]      (9999)
 *   then: socat - UDP:127.0.0.1:9999     (type a line)
 */
import { pathToFileURL } from 'node:url';
import { Application, DatagramService, first, sleep, udpSocket, type DatagramSocket, type Routine } from '@diesel/core';

/** The service's one routine: answers every datagram to its sender. */
export function* udpEcho(socket: DatagramSocket): Routine<void> {
  for (;;) {
    const { data, address, port } = yield* socket.receive();
    socket.send(`echo: ${data.toString()}`, port, address);
  }
}

/** Sends `request` to `port` and waits `wait` seconds for a reply, up to `tries` times. */
export function* ask(port: number, request: string, tries = 3, wait = 0.5): Routine<string> {
  const socket = yield* udpSocket({ host: '127.0.0.1' });
  try {
    for (let attempt = 1; attempt <= tries; attempt++) {
      socket.send(request, port, '127.0.0.1');
      const [reply] = yield* first(socket.receive(), sleep(wait));
      if (reply !== undefined) return reply.data.toString();
    }
    throw new Error(`no reply from port ${port} after ${tries} tries`);
  } finally {
    socket.close();
  }
}

/**
 * The echo service on `port`.
 * @example
 * const { app, service } = createUdpEchoApp(0);
 */
export function createUdpEchoApp(port = 9999): { app: Application; service: DatagramService } {
  const app = new Application();
  const service = new DatagramService(udpEcho, { port, host: '127.0.0.1' });
  app.addService(service);
  return { app, service };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { app, service } = createUdpEchoApp(Number(process.argv[2] ?? 9999));
  await app.start();
  console.log(`udp echo on 127.0.0.1:${service.port}`);
  await app.haltOnSignals().halted();
}
