/**
 * Headless Chromium for chat's browser test (as in @diesel/http's tests), through playwright-core. Playwright owns
 * the profile: it creates a temporary one per launch, and `browser.close()` resolves only
 * after the browser process has exited and that profile was removed (with retries) — so
 * these tests never remove a profile a Chromium helper may still be writing. Call
 * `close()` in `finally`.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Starts Chromium, or throws saying how to get it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is needed for this test and was not found at ${CHROMIUM}: install it (sudo bash scripts/install-peers.sh) or set CHROMIUM_PATH`);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}
