/**
 * Reads llhttp's fixture files (../shared/conformance/llhttp/{request,response}/*.md) as
 * they are and turns each case into input bytes and the outcome llhttp logged.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

export const CONFORMANCE_DIR = join(import.meta.dirname, '../../../../shared/conformance/llhttp');

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

/** llhttp's md-test input rules: CRLF line ends, `\` joins lines, escapes, bytes as UTF-8. */
export function decodeInput(block: string): Buffer {
  let input = block.replace(/\n$/, '');
  input = input.replace(/\\(\r\n|\r|\n)/g, '');
  input = input.replace(/\r\n|\r|\n/g, '\r\n');
  input = input.replace(/\\r/g, '\r').replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/\\f/g, '\f');
  input = input.replace(/\\x([0-9a-fA-F]+)/g, (_all, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  input = input.replace(/\\([0-7]{1,3})/g, (_all, digits: string) => String.fromCharCode(parseInt(digits, 8)));
  return Buffer.from(input, 'utf8');
}

function spanValue(line: string): string {
  const eq = line.indexOf(']=');
  const raw = line.slice(eq + 2);
  if (raw === 'cr') return '\r';
  if (raw === 'lf') return '\n';
  if (raw.startsWith('"') && raw.endsWith('"')) return Buffer.from(raw.slice(1, -1), 'utf8').toString('latin1');
  throw new Error(`unexpected span value: ${line}`);
}

function trimOws(value: string): string {
  return value.replace(/[ \t]+$/, '');
}

function parseLog(log: string): { messages: ExpectedMessage[]; error: boolean; upgrade: boolean } {
  const messages: ExpectedMessage[] = [];
  let error = false;
  let upgrade = false;
  let current: ExpectedMessage | null = null;
  let field: { name: string; value: string } | null = null;
  for (const rawLine of log.split('\n')) {
    const line = rawLine.replace(/^off=\d+ (len=\d+ )?/, '').trim();
    if (line === '') continue;
    if (line === 'message begin') {
      current = { method: '', url: '', status: 0, reason: '', version: '', headers: [], trailers: [], body: '', headersComplete: false, complete: false };
      messages.push(current);
      continue;
    }
    if (line.startsWith('error ')) {
      const code = Number(/code=(\d+)/.exec(line)?.[1]);
      if (code === 22) upgrade = true;
      else error = true;
      continue;
    }
    if (current === null) continue;
    if (line.startsWith('span[method]')) current.method += spanValue(line);
    else if (line.startsWith('span[url]')) current.url += spanValue(line);
    else if (line.startsWith('span[status]')) current.reason += spanValue(line);
    else if (line.startsWith('span[header_field]')) (field ??= { name: '', value: '' }).name += spanValue(line);
    else if (line.startsWith('span[header_value]')) (field ??= { name: '', value: '' }).value += spanValue(line);
    else if (line === 'header_value complete') {
      if (field !== null) (current.headersComplete ? current.trailers : current.headers).push([field.name, trimOws(field.value.replace(/^[ \t]+/, ''))]);
      field = null;
    } else if (line.startsWith('headers complete')) {
      current.headersComplete = true;
      const v = /v=(\d+)\/(\d+)/.exec(line);
      current.version = v ? `${v[1]}.${v[2]}` : '';
      const status = /status=(\d+)/.exec(line);
      if (status) current.status = Number(status[1]);
    } else if (line.startsWith('span[body]')) current.body += spanValue(line);
    else if (line === 'message complete') current.complete = true;
  }
  return { messages, error, upgrade };
}

/** Every case of every fixture file, lenient ones included (marked). */
export function loadCases(): ConformanceCase[] {
  const cases: ConformanceCase[] = [];
  for (const kind of ['request', 'response'] as const) {
    const dir = join(CONFORMANCE_DIR, kind);
    for (const file of readdirSync(dir).filter((f) => f.endsWith('.md')).sort()) {
      const text = readFileSync(join(dir, file), 'utf8');
      const lines = text.split('\n');
      let heading = '';
      let meta: { type?: string; skipBody?: boolean } | null = null;
      for (let i = 0; i < lines.length; i++) {
        const l = lines[i]!;
        if (/^#+ /.test(l)) heading = l.replace(/^#+ /, '');
        const m = /<!-- meta=(.*) -->/.exec(l);
        if (m) meta = JSON.parse(m[1]!) as { type?: string; skipBody?: boolean };
        if (!l.startsWith('```http')) continue;
        const start = i + 1;
        const body: string[] = [];
        for (i++; !lines[i]!.startsWith('```'); i++) body.push(lines[i]!);
        while (!lines[i]!.startsWith('```log')) i++;
        const log: string[] = [];
        for (i++; !lines[i]!.startsWith('```'); i++) log.push(lines[i]!);
        const type = meta?.type ?? kind;
        const expected = parseLog(log.join('\n').replace(/\\t/g, '\t').replace(/\\f/g, '\f'));
        cases.push({
          file: `${kind}/${file}`,
          name: heading,
          line: start,
          type,
          mode: type.startsWith('response') ? 'response' : 'request',
          lenient: /lenient|loose/.test(type),
          skipBody: meta?.skipBody === true,
          input: decodeInput(body.length === 0 ? '' : `${body.join('\n')}\n`),
          ...expected,
        });
        meta = null;
      }
    }
  }
  return cases;
}
