/**
 * The demo's first impression: it listens on 127.0.0.1 unless asked, serves a favicon,
 * the TCP chat asks for a nick, and a port in use is one clear line and a non-zero exit —
 * no stack trace.
 */
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemoryLogger } from '@diesel/core/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type Demo, DEFAULT_HOST, startDemo } from '../demo/main.js';

const docs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let demo: Demo | null = null;
const closers: (() => void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) close();
  demo?.app.halt();
  await demo?.app.halted();
  demo = null;
});

describe('the demo, polished', () => {
  it('binds 127.0.0.1 by default, every service', async () => {
    demo = await startDemo({ httpPort: 0, echoPort: 0, chatPort: 0, logger: new MemoryLogger() });
    expect(DEFAULT_HOST).toBe('127.0.0.1');
    expect(demo.app.services.map((s) => s.address?.address)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
  });

  it('serves /favicon.ico (no 404 in the browser console)', async () => {
    demo = await startDemo({ httpPort: 0, echoPort: 0, chatPort: 0, logger: new MemoryLogger() });
    const response = await fetch(`http://127.0.0.1:${demo.ports.http}/favicon.ico`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('image/svg+xml');
    expect(await response.text()).toMatch(/^<svg /);
  });

  it('the TCP chat asks for the nick first', async () => {
    demo = await startDemo({ httpPort: 0, echoPort: 0, chatPort: 0, logger: new MemoryLogger() });
    const socket = net.connect({ port: demo.ports.chat, host: '127.0.0.1' });
    closers.push(() => socket.destroy());
    const first = await new Promise<string>((resolve, reject) => {
      let got = '';
      socket.on('data', (chunk) => {
        got += chunk.toString();
        if (got.includes('\r\n')) resolve(got);
      });
      socket.on('error', reject);
    });
    expect(first).toBe('* your nick?\r\n');
  });

  it('a port in use: one ListenError line on stderr, exit code 1, no stack trace', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    closers.push(() => blocker.close());
    const taken = (blocker.address() as net.AddressInfo).port;
    const child = spawn(process.execPath, [path.join(docs, 'dist/docs/demo/main.js'), '--http-port', String(taken), '--echo-port', '0', '--chat-port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code).toBe(1);
    expect(stderr).toMatch(new RegExp(`^demo: ListenError DIESEL_ERR_LISTEN: cannot listen on 127\\.0\\.0\\.1:${taken}: .*EADDRINUSE.*\\n$`));
    expect(stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(stdout + stderr).not.toMatch(/^\s+at /m);
  });
});
