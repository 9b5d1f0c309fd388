/**
 * The llhttp conformance cases as this package keeps them: conformance/llhttp-cases.json,
 * generated once from llhttp's fixture files by conformance/generate.mjs (origin and MIT
 * licence in conformance/NOTICE). Strings in the file are latin1, one character per byte.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const CASES_FILE = join(import.meta.dirname, 'conformance', 'llhttp-cases.json');

export interface ExpectedMessage {
  method: string;
  url: string;
  status: number;
  reason: string;
  version: string;
  headers: [string, string][];
  trailers: [string, string][];
  body: string; // latin1
  headersComplete: boolean;
  complete: boolean;
}

export interface ConformanceCase {
  file: string;
  name: string;
  line: number;
  type: string;
  mode: 'request' | 'response';
  lenient: boolean;
  skipBody: boolean;
  input: Buffer;
  messages: ExpectedMessage[];
  error: boolean;
  upgrade: boolean;
}

interface StoredCase extends Omit<ConformanceCase, 'input' | 'mode' | 'lenient'> {
  input: string;
}

/** Every case of the data file, lenient ones included (marked). */
export function loadCases(): ConformanceCase[] {
  const data = JSON.parse(readFileSync(CASES_FILE, 'utf8')) as { cases: StoredCase[] };
  return data.cases.map((c) => ({
    ...c,
    // The `*-lenient-*` (and `loose`) modes accept what a strict parser must refuse.
    mode: c.type.startsWith('response') ? 'response' : 'request',
    lenient: /lenient|loose/.test(c.type),
    input: Buffer.from(c.input, 'latin1'),
  }));
}
