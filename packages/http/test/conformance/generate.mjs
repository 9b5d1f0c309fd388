#!/usr/bin/env node
// Turns llhttp's markdown fixture files into our own test data, llhttp-cases.json.
// Run once per llhttp upgrade, with the folder that holds llhttp's `request/` and
// `response/` *.md files (llhttp's test/ folder, or a copy of it):
//
//   node packages/http/test/conformance/generate.mjs path/to/llhttp/test
//
// The markdown is read by llhttp's md-test rules (every newline in an `http` block is
// CRLF, a trailing `\` joins lines, `\r` `\n` `\t` `\f` `\xHH` and octal escapes are bytes)
// and each `log` block is reduced to the outcome a parser must reproduce: the messages
// (method, URL or status and reason, version, headers, body, trailers), a refusal, or an
// upgrade. llhttp's own error codes and span offsets are not kept: they are its internals.
import { readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const source = process.argv[2];
if (source === undefined || !existsSync(join(source, 'request')) || !existsSync(join(source, 'response'))) {
  console.error('usage: generate.mjs <folder with llhttp request/*.md and response/*.md>');
  process.exit(2);
}

function decodeInput(block) {
  let input = block.replace(/\n$/, '');
  input = input.replace(/\\(\r\n|\r|\n)/g, '');
  input = input.replace(/\r\n|\r|\n/g, '\r\n');
  input = input.replace(/\\r/g, '\r').replace(/\\n/g, '\n').replace(/\\t/g, '\t').replace(/\\f/g, '\f');
  input = input.replace(/\\x([0-9a-fA-F]+)/g, (_all, hex) => String.fromCharCode(parseInt(hex, 16)));
  input = input.replace(/\\([0-7]{1,3})/g, (_all, digits) => String.fromCharCode(parseInt(digits, 8)));
  // The fixtures are UTF-8 text: a non-ASCII character stands for its UTF-8 bytes.
  return Buffer.from(input, 'utf8');
}

function spanValue(line) {
  const raw = line.slice(line.indexOf(']=') + 2);
  if (raw === 'cr') return '\r';
  if (raw === 'lf') return '\n';
  if (raw.startsWith('"') && raw.endsWith('"')) return Buffer.from(raw.slice(1, -1), 'utf8').toString('latin1');
  throw new Error(`unexpected span value: ${line}`);
}

function parseLog(log) {
  const messages = [];
  let error = false;
  let upgrade = false;
  let current = null;
  let field = null;
  for (const rawLine of log.split('\n')) {
    const line = rawLine.replace(/^off=\d+ (len=\d+ )?/, '').trim();
    if (line === '') continue;
    if (line === 'message begin') {
      current = { method: '', url: '', status: 0, reason: '', version: '', headers: [], trailers: [], body: '', headersComplete: false, complete: false };
      messages.push(current);
      continue;
    }
    if (line.startsWith('error ')) {
      // llhttp reports an upgrade as "error code=22" (HPE_PAUSED_UPGRADE): not a refusal.
      if (Number(/code=(\d+)/.exec(line)?.[1]) === 22) upgrade = true;
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
      if (field !== null) (current.headersComplete ? current.trailers : current.headers).push([field.name, field.value.replace(/^[ \t]+/, '').replace(/[ \t]+$/, '')]);
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

const cases = [];
for (const kind of ['request', 'response']) {
  const dir = join(source, kind);
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.md')).sort()) {
    const lines = readFileSync(join(dir, file), 'utf8').split('\n');
    let heading = '';
    let meta = null;
    for (let i = 0; i < lines.length; i++) {
      const l = lines[i];
      if (/^#+ /.test(l)) heading = l.replace(/^#+ /, '');
      const m = /<!-- meta=(.*) -->/.exec(l);
      if (m) meta = JSON.parse(m[1]);
      if (!l.startsWith('```http')) continue;
      const line = i + 1;
      const body = [];
      for (i++; !lines[i].startsWith('```'); i++) body.push(lines[i]);
      while (!lines[i].startsWith('```log')) i++;
      const log = [];
      for (i++; !lines[i].startsWith('```'); i++) log.push(lines[i]);
      const expected = parseLog(log.join('\n').replace(/\\t/g, '\t').replace(/\\f/g, '\f'));
      cases.push({
        file: `${kind}/${file}`,
        line,
        name: heading,
        type: meta?.type ?? kind,
        skipBody: meta?.skipBody === true,
        input: decodeInput(body.length === 0 ? '' : `${body.join('\n')}\n`).toString('latin1'),
        ...expected,
      });
      meta = null;
    }
  }
}

const out = join(import.meta.dirname, 'llhttp-cases.json');
const about =
  'HTTP/1.1 parser cases from llhttp (MIT, see NOTICE), reduced to outcomes by generate.mjs. ' +
  'Strings are latin1: each character is one byte (input, span values, body).';
const sourceNote = 'llhttp 9.4.2 test/request/*.md and test/response/*.md';
// One case per line keeps a regenerated file's diff readable; bytes outside ASCII are
// written as \u00XX so no editor or git setting can re-encode the data.
const ascii = (json) => json.replace(/[\u007f-\uffff]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
const text =
  `{\n "about": ${JSON.stringify(about)},\n "source": ${JSON.stringify(sourceNote)},\n "cases": [\n` +
  cases.map((c) => `  ${ascii(JSON.stringify(c))}`).join(',\n') +
  '\n ]\n}\n';
writeFileSync(out, text);
console.log(`wrote ${cases.length} cases to ${out}`);
