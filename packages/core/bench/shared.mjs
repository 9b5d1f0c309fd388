// Helpers shared by the benchmarks. The benchmarks import the built package (../dist),
// so run `pnpm build` first (`pnpm bench` does, through turbo).
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ECHO_LINE = 'hello, world, this is an echo line\r\n';

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Starts `script` (a file in bench/) as a child with an IPC channel. `ready` resolves
 * with its first message; `next()` with each later one; `done` when it exits.
 */
export function child(script, args = [], execArgv = []) {
  const proc = fork(fileURLToPath(new URL(script, import.meta.url)), args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const queue = [];
  const waiting = [];
  proc.on('message', (message) => {
    const resolve = waiting.shift();
    if (resolve !== undefined) resolve(message);
    else queue.push(message);
  });
  const exited = new Promise((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })));
  const next = () => {
    if (queue.length > 0) return Promise.resolve(queue.shift());
    return new Promise((resolve, reject) => {
      waiting.push(resolve);
      exited.then(({ code, signal }) => reject(new Error(`${script} ${args.join(' ')} exited (${code ?? signal}) before answering`)));
    });
  };
  return { proc, next, send: (message) => proc.send(message), exited, kill: () => proc.kill('SIGKILL') };
}

/** Sends a message to the parent (the IPC channel of a forked bench child). */
export function tell(message) {
  process.send?.(message);
}

/** Resolves with the next message from the parent. */
export function hear() {
  return new Promise((resolve) => process.once('message', resolve));
}

export const sleepMs = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The raw peer's per-connection echo, what a Node programmer writes by hand: decode,
 * split lines, one write per reply line. Used by every raw node:net server in these benches.
 */
export function rawEcho(socket) {
  socket.setEncoding('utf8');
  let pending = '';
  socket.on('data', (chunk) => {
    pending += chunk;
    let at;
    while ((at = pending.indexOf('\r\n')) !== -1) {
      socket.write(`you said: ${pending.slice(0, at + 2)}`);
      pending = pending.slice(at + 2);
    }
  });
  socket.on('error', () => {});
}
