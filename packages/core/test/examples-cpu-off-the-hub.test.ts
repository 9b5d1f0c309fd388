import { afterEach, describe, expect, it } from 'vitest';
import { createCpuApp } from '../examples/cpu-off-the-hub.js';
import { connectTcp, readLine } from './examples-helpers.js';

describe('example: CPU work off the hub with piscina', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('an echo client keeps getting answers while a multi-second job runs in the pool', async () => {
    const { app, service, stop } = createCpuApp({ port: 0, threads: 1 });
    await app.start();
    cleanup.push(stop);
    const worker = await connectTcp(service.port);
    const echo = await connectTcp(service.port);
    cleanup.push(() => worker.destroy(), () => echo.destroy());

    let jobDone = false;
    worker.write('burn 3\r\n');
    const job = readLine(worker).then((line) => {
      jobDone = true;
      return line;
    });
    // Twenty round trips on the other connection, each answered while the job is still
    // running: the hub's thread is free. (Had the job run on the hub, none would be
    // answered until it ended.)
    let answeredDuringJob = 0;
    for (let i = 0; i < 20; i++) {
      echo.write(`ping ${i}\r\n`);
      expect(await readLine(echo)).toBe(`echo: ping ${i}\r\n`);
      if (!jobDone) answeredDuringJob++;
    }
    expect(answeredDuringJob).toBe(20);
    expect(await job).toMatch(/^burned \d+ rounds: [0-9a-f]{16}\r\n$/);
    // And the connection that waited for the job is served normally afterwards.
    worker.write('after\r\n');
    expect(await readLine(worker)).toBe('echo: after\r\n');
  });
});
