/**
 * Headless Chromium for the docs' browser tests: launched with a throwaway profile and
 * DevTools on a free port, and stopped so that the profile can really be removed.
 *
 * Why stopping takes three steps: killing only the main process leaves its helpers
 * (zygote, renderers, the network service) alive for a while, still writing into the
 * profile — removing it then fails with ENOTEMPTY on `…/Default` under load. So `stop()`
 * asks the browser to close over DevTools, then kills the whole process group (it runs
 * in its own), waits until no process of that group is left, and only then removes the
 * profile, with retries for a filesystem that lags behind.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

export interface Chromium {
  readonly process: ChildProcess;
  /** The browser's DevTools WebSocket URL. */
  readonly endpoint: string;
  /** The throwaway profile folder (`--user-data-dir`), gone once `stop()` resolves. */
  readonly profile: string;
  /** Ends the browser and all its helpers, then removes the profile. Safe to call twice. */
  stop(closeOverDevTools?: () => Promise<unknown>): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function exited(proc: ChildProcess): boolean {
  return proc.exitCode !== null || proc.signalCode !== null;
}

function waitForExit(proc: ChildProcess, ms: number): Promise<boolean> {
  if (exited(proc)) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** True while any process of the group is alive (signal 0 only checks). */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Starts Chromium; rejects with the reason if it is missing or exits before listening. */
export async function launchChromium(): Promise<Chromium> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is needed for this test and was not found at ${CHROMIUM}: install it (sudo bash scripts/install-peers.sh) or set CHROMIUM_PATH`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'diesel-demo-chromium-'));
  const proc = spawn(
    CHROMIUM,
    ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--remote-debugging-port=0', `--user-data-dir=${profile}`, 'about:blank'],
    // Its own process group, so that stop() can reach the helpers it forks.
    { stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  let stopping: Promise<void> | null = null;
  const stop = (closeOverDevTools?: () => Promise<unknown>): Promise<void> =>
    (stopping ??= (async () => {
      if (closeOverDevTools !== undefined && !exited(proc)) {
        // A clean close flushes and releases the profile; a browser that does not answer is killed below.
        await Promise.race([closeOverDevTools().catch(() => undefined), sleep(5_000)]);
        await waitForExit(proc, 10_000);
      }
      const pgid = proc.pid;
      if (pgid !== undefined) {
        killGroup(pgid);
        await waitForExit(proc, 30_000);
        for (let i = 0; i < 300 && groupAlive(pgid); i++) await sleep(100);
      }
      await rm(profile, { recursive: true, force: true, maxRetries: 20, retryDelay: 250 });
    })());
  try {
    const endpoint = await new Promise<string>((resolve, reject) => {
      let err = '';
      proc.stderr!.on('data', (chunk: Buffer) => {
        err += chunk.toString();
        const match = /DevTools listening on (ws:\/\/\S+)/.exec(err);
        if (match) resolve(match[1]!);
      });
      proc.once('error', reject);
      proc.once('exit', (code) => reject(new Error(`chromium exited (${code}) before it listened: ${err}`)));
    });
    return { process: proc, endpoint, profile, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
