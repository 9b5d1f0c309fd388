/**
 * Runs every "Run it" block of the guide as a reader would type it, and compares what
 * comes back with what the page says.
 *
 * The folder is a fresh copy of the repository as a reader has it after the steps the
 * guide asks for once (`pnpm install`, `pnpm build` at the root): the files git knows,
 * each package's `dist/`, and its `node_modules` links (the root store is linked, not
 * copied). Nothing the examples compile or write (`examples-dist/`, CA files) is copied,
 * so a block that depends on an earlier chapter's leftovers fails here.
 *
 * Each line of a block is a command, run from the block's current folder (a block starts
 * at the root; `cd DIR && …` moves it, and a `cd` into a folder that is not there fails),
 * with its trailing `# comment` read for what it promises:
 *   - `CMD &` starts a server; its `prints: TEXT` is awaited in its output;
 *   - `CMD  # type: A, then B → TEXT` is an interactive client: the lines are typed, then
 *     TEXT is awaited in what it shows, and the client is closed;
 *   - `CMD  # prints: TEXT` runs to the end, must exit 0 and show TEXT;
 *   - `kill %1 %2` sends SIGTERM to those servers, which must exit with code 0.
 * Servers still running when a block ends get SIGINT (Ctrl-C) and must exit 0 too.
 * TEXT is compared with whitespace runs folded to one space; `…` stands for anything.
 * Every 4-digit port 8000–8999 in a block is moved by one random offset to free ports, so
 * the run never collides with anything else on the machine; relative ports (an example's
 * "port + 1") stay right.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const docs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const root = path.resolve(docs, '..');
const guide = path.join(docs, 'guide');

/** Generous bounds: the machine may be loaded; nothing here asserts a duration. */
const LINE_TIMEOUT_MS = 120_000;
const EXIT_TIMEOUT_MS = 30_000;

interface Line {
  /** 1-based line in the chapter. */
  at: number;
  command: string;
  comment: string;
}

/** The lines of each chapter's "## Run it" shell block. */
export function runItBlocks(markdown: string): Line[][] {
  const lines = markdown.split('\n');
  const blocks: Line[][] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '## Run it') continue;
    let j = i + 1;
    while (j < lines.length && !lines[j]!.startsWith('```') && !lines[j]!.startsWith('## ')) j++;
    if (lines[j] !== '```sh') continue;
    const block: Line[] = [];
    for (j++; j < lines.length && lines[j] !== '```'; j++) {
      const text = lines[j]!.trim();
      if (text === '' || text.startsWith('#')) continue;
      // The comment starts at the first " #" (no command in the guide has one in it).
      const hash = text.search(/\s#\s/);
      block.push({ at: j + 1, command: (hash === -1 ? text : text.slice(0, hash)).trim(), comment: hash === -1 ? '' : text.slice(hash).replace(/^\s*#\s*/, '') });
    }
    blocks.push(block);
  }
  return blocks;
}

/** Whitespace folded, so a promise written on one line matches output over several. */
function fold(text: string): string {
  return text.replace(/\r/g, '').replace(/\s+/g, ' ').trim();
}

/** Does `output` show `expected` (`…` matching anything)? */
function shows(output: string, expected: string): boolean {
  const pattern = fold(expected)
    .split('…')
    .map((part) => part.trim().replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('[\\s\\S]*?');
  return new RegExp(pattern).test(fold(output));
}

/** What a comment promises. */
function promise(comment: string): { prints?: string; type?: { input: string[]; expect: string } } {
  const type = /type:\s*(.*?)\s*→\s*(.*)$/.exec(comment);
  if (type !== null) return { type: { input: type[1]!.split(/,\s*then\s+/), expect: type[2]! } };
  const prints = /prints:\s*(.*)$/.exec(comment);
  return prints === null ? {} : { prints: prints[1]! };
}

/** A base for the block's ports: `base + (p - 8000)` is free for every port p it names. */
async function freeBase(ports: number[]): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    // Below Linux's ephemeral range (32768+), where outgoing connections would take ports from under us.
    const base = 10_000 + Math.floor(Math.random() * 20_000);
    const ok = await Promise.all(ports.map((port) => isFree(base + port - 8000)));
    if (ok.every(Boolean)) return base;
  }
  throw new Error('no free range of ports found');
}

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port }, () => server.close(() => resolve(true)));
  });
}

interface Job {
  line: Line;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | string>;
}

/** Starts `bash -c command` in its own process group, collecting stdout and stderr together. */
function start(command: string, cwd: string, env: NodeJS.ProcessEnv): Omit<Job, 'line'> {
  const child = spawn('bash', ['-c', command], { cwd, env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdin!.on('error', () => {}); // a client that quit before reading its input
  const exited = new Promise<number | string>((resolve) => child.once('close', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return { child, output: () => output, exited };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // already gone
  }
}

/** Resolves once `check()` holds; rejects with `describe()` after `ms`, or if `gone` settles first. */
async function until(check: () => boolean, ms: number, describe: () => string, gone?: Promise<unknown>): Promise<void> {
  let ended = false;
  void gone?.then(() => (ended = true));
  const deadline = Date.now() + ms;
  while (!check()) {
    if (ended && !check()) throw new Error(`exited before: ${describe()}`);
    if (Date.now() > deadline) throw new Error(`timed out: ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out: ${what}`)), ms))]);
}

/** A folder as a fresh clone would be after `pnpm install` and `pnpm build` at its root. */
function cloneLike(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'diesel-guide-run-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root }).toString().split('\0').filter(Boolean);
  for (const file of files) {
    const from = path.join(root, file);
    if (!fs.existsSync(from)) continue; // deleted in the work tree, not yet committed
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.copyFileSync(from, path.join(dir, file));
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'));
  const workspaces = ['docs', ...fs.readdirSync(path.join(root, 'packages')).map((name) => `packages/${name}`)];
  for (const workspace of workspaces) {
    // The package's links (`@diesel/http` -> ../../http) stay relative, so they point into the copy.
    const modules = path.join(root, workspace, 'node_modules');
    if (fs.existsSync(modules)) fs.cpSync(modules, path.join(dir, workspace, 'node_modules'), { recursive: true, verbatimSymlinks: true });
    const dist = path.join(root, workspace, 'dist');
    if (fs.existsSync(dist) && workspace !== 'docs') fs.cpSync(dist, path.join(dir, workspace, 'dist'), { recursive: true });
  }
  return dir;
}

/** Runs one block line by line; the first broken promise fails the test with the line and its output. */
async function runBlock(chapter: string, block: Line[], clone: string): Promise<void> {
  const text = block.map((l) => `${l.command} ${l.comment}`).join('\n');
  const ports = [...new Set([...text.matchAll(/\b8\d{3}\b/g)].map((m) => Number(m[0])))];
  const base = await freeBase(ports);
  const move = (s: string): string => s.replace(/\b8\d{3}\b/g, (p) => String(base + Number(p) - 8000));
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', npm_config_yes: 'true' };
  for (const name of Object.keys(env)) if (name.startsWith('VITEST') || name === 'NODE_OPTIONS' || name === 'NODE_ENV' || name === 'TEST') delete env[name];

  let cwd = clone;
  const jobs: (Job | null)[] = [];
  const where = (line: Line): string => `${chapter}:${line.at} \`${line.command}\``;
  const stop = async (job: Job, signal: NodeJS.Signals): Promise<void> => {
    signalGroup(job.child, signal);
    const code = await withTimeout(job.exited, EXIT_TIMEOUT_MS, `${where(job.line)} to exit on ${signal}`);
    expect(code, `${where(job.line)} exits 0 on ${signal}; it printed:\n${job.output()}`).toBe(0);
  };
  try {
    for (const line of block) {
      let command = move(line.command);
      const said = promise(move(line.comment));
      const cd = /^cd\s+(\S+)\s*(?:&&\s*(.*))?$/.exec(command);
      if (cd !== null) {
        const next = path.resolve(cwd, cd[1]!);
        expect(fs.existsSync(next), `${where(line)}: no folder ${path.relative(clone, next) || '.'} from ${path.relative(clone, cwd) || 'the root'}`).toBe(true);
        cwd = next;
        if (cd[2] === undefined) continue;
        command = cd[2];
      }
      const kill = /^kill((?:\s+%\d+)+)$/.exec(command);
      if (kill !== null) {
        for (const n of kill[1]!.trim().split(/\s+/).map((s) => Number(s.slice(1)))) {
          const job = jobs[n - 1];
          expect(job, `${where(line)}: no job %${n}`).toBeTruthy();
          jobs[n - 1] = null;
          await stop(job!, 'SIGTERM');
        }
        while (jobs.length > 0 && jobs[jobs.length - 1] === null) jobs.pop(); // job numbers are reused as in bash
        continue;
      }
      if (command.endsWith('&')) {
        expect(said.prints, `${where(line)}: a server line says what it prints once it listens`).toBeTruthy();
        const job: Job = { line, ...start(command.slice(0, -1).trim(), cwd, env) };
        jobs.push(job); // bash numbers a new job one above the highest still running
        await until(() => shows(job.output(), said.prints!), LINE_TIMEOUT_MS, () => `${where(line)} to print ${JSON.stringify(said.prints)}; it printed:\n${job.output()}`, job.exited);
        continue;
      }
      const run = start(command, cwd, env);
      if (said.type !== undefined) {
        // Typed one line after another, as a person would; `nc -C` and friends add the \r.
        for (const input of said.type.input) run.child.stdin!.write(`${input}\n`);
        try {
          await until(() => shows(run.output(), said.type!.expect), LINE_TIMEOUT_MS, () => `${where(line)} to show ${JSON.stringify(said.type!.expect)}; it showed:\n${run.output()}`, run.exited);
        } finally {
          signalGroup(run.child, 'SIGTERM');
          await withTimeout(run.exited, EXIT_TIMEOUT_MS, `${where(line)} to close`);
        }
        continue;
      }
      run.child.stdin!.end();
      const code = await withTimeout(run.exited, LINE_TIMEOUT_MS, `${where(line)} to finish`);
      expect(code, `${where(line)} exits 0; it printed:\n${run.output()}`).toBe(0);
      if (said.prints !== undefined) expect(shows(run.output(), said.prints), `${where(line)} prints ${JSON.stringify(said.prints)}; it printed:\n${run.output()}`).toBe(true);
    }
    // Servers the text left running: Ctrl-C each, as the reader would.
    for (const job of jobs) if (job !== null) await stop(job, 'SIGINT');
    jobs.length = 0;
  } finally {
    for (const job of jobs) if (job !== null) signalGroup(job.child, 'SIGKILL');
  }
}

const chapters = fs
  .readdirSync(guide)
  .filter((name) => /^\d\d-.*\.md$/.test(name))
  .sort();

describe('the "Run it" blocks parse', () => {
  it('every chapter has one, and every client line promises an answer', () => {
    for (const chapter of chapters) {
      const blocks = runItBlocks(fs.readFileSync(path.join(guide, chapter), 'utf8'));
      expect(blocks.length, `${chapter} has a "## Run it" shell block`).toBe(1);
      for (const line of blocks[0]!) {
        if (/^(nc|telnet|openssl|curl)\b/.test(line.command)) expect(promise(line.comment), `${chapter}:${line.at} says what comes back`).not.toEqual({});
        // nc sends \n alone; the guide's handlers wait for \r\n (see chapter 2).
        if (/^nc\b/.test(line.command) && /type:/.test(line.comment)) expect(line.command, `${chapter}:${line.at}`).toMatch(/^nc -C\b/);
      }
    }
  });
});

describe('every "Run it" of the guide, as written, in a fresh copy of the repository', () => {
  let clone = '';
  beforeAll(() => {
    clone = cloneLike();
  }, 120_000);
  afterAll(() => {
    if (clone !== '') fs.rmSync(clone, { recursive: true, force: true });
  });

  for (const chapter of chapters) {
    it(chapter, async () => {
      const [block] = runItBlocks(fs.readFileSync(path.join(guide, chapter), 'utf8'));
      await runBlock(chapter, block!, clone);
    }, 600_000);
  }
});
