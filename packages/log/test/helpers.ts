import { expect } from 'vitest';

/** A diesel timestamp, `[Sun Sep 20 19:55:22 2009]`, as a regular expression source. */
export const STAMP = String.raw`\[(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [ \d]\d \d\d:\d\d:\d\d \d{4}\]`;

/**
 * A pattern for one expected line: `[TS]` stands for the timestamp, `<n>` for a number,
 * everything else is literal.
 */
export function linePattern(template: string): RegExp {
  const source = template
    .split(/(\[TS\]|<n>)/)
    .map((part) => (part === '[TS]' ? STAMP : part === '<n>' ? String.raw`\d+` : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`);
}

/** Splits output into lines (the final `\n` ends the last line) and matches them one to one. */
export function expectLines(output: string, templates: readonly string[]): void {
  const lines = output === '' ? [] : output.replace(/\n$/, '').split('\n');
  expect(lines, `output was:\n${output}`).toHaveLength(templates.length);
  templates.forEach((template, i) => expect(lines[i], `line ${i + 1}`).toMatch(linePattern(template)));
}

/** Runs `fn` with `process.stdout.write` captured; restores it whatever happens. */
export async function captureStdout(fn: () => unknown): Promise<string> {
  const chunks: string[] = [];
  const original = process.stdout.write;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  try {
    await fn();
  } finally {
    process.stdout.write = original;
  }
  return chunks.join('');
}

/** Same for stderr. */
export async function captureStderr(fn: () => unknown): Promise<string> {
  const chunks: string[] = [];
  const original = process.stderr.write;
  process.stderr.write = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    process.stderr.write = original;
  }
  return chunks.join('');
}

/** A text output that keeps what it is given. */
export class MemoryOutput {
  readonly chunks: string[] = [];
  #waiters: { text: string; resolve: () => void }[] = [];
  write(line: string): boolean {
    this.chunks.push(line);
    const all = this.text;
    this.#waiters = this.#waiters.filter((waiter) => (all.includes(waiter.text) ? (waiter.resolve(), false) : true));
    return true;
  }
  /** Resolves once the output holds `text` (already, or on a later write). */
  waitFor(text: string): Promise<void> {
    if (this.text.includes(text)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ text, resolve }));
  }
  get text(): string {
    return this.chunks.join('');
  }
}
