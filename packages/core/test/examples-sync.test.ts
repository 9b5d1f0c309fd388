import { spawn as spawnProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { Application, Hub, Loop, run, sleep, spawn, type Routine } from '@diesel/core';
import { FakeClock } from '@diesel/core/testing';
import { bounded, move, startWhenReady, transfer, type Account } from '../examples/locks-and-events.js';
import { reloadLoop } from '../examples/reload-on-signal.js';
import { ask, createUdpEchoApp } from '../examples/udp.js';
import { pipeline } from '../examples/work-queue.js';

const apps: Application[] = [];
afterEach(() => {
  for (const app of apps.splice(0)) app.halt();
});

function* transfers(step: (from: Account, to: Account, amount: number) => Routine<boolean>, a: Account, b: Account): Routine<void> {
  const tasks = [];
  for (let i = 0; i < 20; i++) tasks.push(yield* spawn(step, a, b, 10));
  for (const task of tasks) yield* task.join();
}

describe('example: work-queue', () => {
  it('three consumers share every job exactly once, through a queue of four', async () => {
    const results = await run(pipeline(), { hub: new Hub() });
    expect(results).toHaveLength(3);
    const all = results.flat().sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    for (const jobs of results) expect(jobs.length).toBeGreaterThan(0);
  });
});

describe('example: locks-and-events', () => {
  it('without the lock, transfers that suspend mid-update lose money; with it, every cent is kept', async () => {
    const hub = new Hub();
    const racy: [Account, Account] = [{ balance: 100 }, { balance: 0 }];
    await run(transfers(move, ...racy), { hub });
    expect(racy[0].balance + racy[1].balance).not.toBe(100); // the race the lock prevents
    const safe: [Account, Account] = [{ balance: 100 }, { balance: 0 }];
    await run(transfers(transfer, ...safe), { hub });
    expect(safe).toEqual([{ balance: 0 }, { balance: 100 }]);
  });

  it('a semaphore bounds how many jobs run at once', async () => {
    let inside = 0;
    let most = 0;
    await run(
      bounded(12, 3, function* (): Routine<void> {
        most = Math.max(most, ++inside);
        yield* sleep(0.002);
        inside--;
      }),
      { hub: new Hub() },
    );
    expect(most).toBe(3);
  });

  it('an event holds workers back until it is set; a late one does not wait', async () => {
    const log: string[] = [];
    await run(startWhenReady(log), { hub: new Hub() });
    expect(log).toEqual(['ready', 'a started', 'b started', 'c started']);
  });
});

describe('example: reload-on-signal', () => {
  it('reloads on SIGHUP and on the timer', async () => {
    const clock = new FakeClock();
    const app = new Application({ clock });
    apps.push(app);
    const reloads: string[] = [];
    app.addLoop(new Loop(reloadLoop, (why: string) => reloads.push(why), 60));
    await app.start();
    await clock.advance(60);
    expect(reloads).toEqual(['timer']);
    process.kill(process.pid, 'SIGHUP'); // this forked test worker only
    for (let i = 0; i < 1000 && reloads.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    expect(reloads).toEqual(['timer', 'SIGHUP']);
  });
});

describe('example: udp', () => {
  it('the echo service answers socat, and ask() gets its reply', async () => {
    const { app, service } = createUdpEchoApp(0);
    apps.push(app);
    await app.start();
    expect(await run(ask(service.port, 'hello'), { hub: app.hub })).toBe('echo: hello');
    const output = await new Promise<string>((resolve, reject) => {
      const child = spawnProcess('socat', ['-t', '10', '-', `UDP:127.0.0.1:${service.port}`]);
      let text = '';
      child.stdout.on('data', (chunk: Buffer) => {
        text += chunk.toString();
        if (text.includes('\n')) {
          child.kill();
          resolve(text);
        }
      });
      child.on('error', reject);
      child.stdin.write('from socat\n');
    });
    expect(output).toBe('echo: from socat\n');
  });

  it('ask() retries, then gives up with a clear error when nobody answers', async () => {
    const silent = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
    let received = 0;
    silent.on('message', () => received++);
    try {
      await expect(run(ask(silent.address().port, 'anyone?', 2, 0.05), { hub: new Hub() })).rejects.toThrow(/no reply from port \d+ after 2 tries/);
      for (let i = 0; i < 1000 && received < 2; i++) await new Promise((r) => setTimeout(r, 5));
      expect(received).toBe(2);
    } finally {
      silent.close();
    }
  });
});
