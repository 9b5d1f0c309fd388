import { describe, expect, it } from 'vitest';
import { H1Parser, type MessageHead } from '../src/h1/parser.js';
import { HttpError } from '../src/errors.js';
import { type ConformanceCase, loadCases } from './conformance-cases.js';

interface Got {
  heads: MessageHead[];
  completed: { head: MessageHead; body: string; trailers: [string, string][] }[];
  error: unknown;
  upgrade: boolean;
}

function run(c: ConformanceCase, pieces: Buffer[]): Got {
  const parser = new H1Parser(c.mode);
  const got: Got = { heads: [], completed: [], error: null, upgrade: false };
  let body: Buffer[] = [];
  const drain = (): void => {
    for (let e = parser.next(); e !== undefined; e = parser.next()) {
      if (e.type === 'head') {
        got.heads.push(e.head);
        body = [];
      } else if (e.type === 'data') body.push(Buffer.from(e.data));
      else if (e.type === 'end') {
        got.completed.push({ head: got.heads.at(-1)!, body: Buffer.concat(body).toString('latin1'), trailers: e.trailers ? [...e.trailers] : [] });
      } else got.upgrade = true;
    }
  };
  if (c.skipBody) parser.skipBody(true);
  try {
    for (const piece of pieces) {
      parser.feed(piece);
      drain();
    }
  } catch (error) {
    drain();
    got.error = error;
  }
  return got;
}

function check(c: ConformanceCase, got: Got): void {
  if (got.error !== null && !(got.error instanceof HttpError)) throw got.error;
  expect(got.error !== null, `error: ${String(got.error)}`).toBe(c.error);
  const want = c.messages.filter((m) => m.complete);
  expect(got.completed.length).toBe(want.length);
  want.forEach((m, k) => {
    const { head, body, trailers } = got.completed[k]!;
    if (c.mode === 'request') {
      expect(head.method).toBe(m.method);
      expect(head.url).toBe(m.url);
    } else {
      expect(head.status).toBe(m.status);
      expect(head.reason).toBe(m.reason);
    }
    expect(head.version).toBe(m.version);
    expect([...head.headers]).toEqual(m.headers);
    expect(body).toBe(m.body);
    expect(trailers).toEqual(m.trailers);
  });
  if (!c.error) {
    expect(got.upgrade).toBe(c.upgrade);
    expect(got.heads.length).toBe(c.messages.filter((m) => m.headersComplete).length);
  }
}

const all = loadCases();
const strict = all.filter((c) => !c.lenient);

describe('llhttp conformance fixtures (strict cases, by outcome)', () => {
  it('reads the data file whole', () => {
    expect(all.length).toBe(251);
    expect(strict.length).toBe(214);
    console.log(`llhttp fixtures: ${all.length} cases, ${strict.length} strict, ${all.length - strict.length} lenient skipped`);
  });

  for (const c of strict) {
    describe(`${c.file}:${c.line} ${c.name}`, () => {
      it('whole', () => check(c, run(c, [c.input])));
      it('split at every offset', () => {
        for (let at = 1; at < c.input.length; at++) check(c, run(c, [c.input.subarray(0, at), c.input.subarray(at)]));
      });
      it('one byte at a time', () => {
        const bytes: Buffer[] = [];
        for (let k = 0; k < c.input.length; k++) bytes.push(c.input.subarray(k, k + 1));
        check(c, run(c, bytes));
      });
    });
  }
});
