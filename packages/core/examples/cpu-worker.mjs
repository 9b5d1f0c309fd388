// The CPU-heavy job of examples/cpu-off-the-hub.ts, run by a piscina worker thread. Plain
// JavaScript so the same file serves the compiled example and its tests (a worker thread
// loads it with Node itself, without a TypeScript step).
import { createHash } from 'node:crypto';

/**
 * Hashes a digest over and over for `seconds` of wall-clock time (a stand-in for image
 * resizing, password hashing, report building) and returns how many rounds it did and
 * the last digest.
 */
export default function burn({ seconds }) {
  const until = performance.now() + seconds * 1000;
  let digest = Buffer.from('diesel');
  let rounds = 0;
  while (performance.now() < until) {
    for (let i = 0; i < 1000; i++) digest = createHash('sha256').update(digest).digest();
    rounds += 1000;
  }
  return { rounds, digest: digest.toString('hex').slice(0, 16) };
}
