/**
 * Keeps the guide honest: every TypeScript block in docs/guide/*.md and docs/README.md
 * is either included, marker and all, from code that is compiled and tested
 * (`<!-- include: packages/core/examples/echo.ts#handleEcho -->`, a path from the
 * repository root, optionally `#declaration`), or is a whole file of
 * docs/guide/snippets/ (`<!-- snippet: guide/snippets/testing.ts -->`), which
 * docs/tsconfig.json type-checks and test/guide-snippets.test.ts runs. And every relative
 * link points to a file that exists.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const docs = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const root = path.resolve(docs, '..');
const guide = path.join(docs, 'guide');
const snippets = path.join(guide, 'snippets');

/** The chapters, in order, then the index. */
const pages = [
  ...fs
    .readdirSync(guide)
    .filter((name) => /^\d\d-.*\.md$/.test(name))
    .sort()
    .map((name) => path.join(guide, name)),
  path.join(docs, 'README.md'),
];

/** Files an include may come from: code that some test compiles and runs. */
const TESTED = [/^packages\/[^/]+\/examples\//, /^packages\/[^/]+\/test\//, /^docs\/guide\/snippets\//, /^docs\/demo\//];

interface Block {
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  /** The marker line right before the fence, if any. */
  marker: string | null;
  content: string;
}

/** The fenced code blocks of a markdown text, each with the line before it. */
function codeBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]!);
    if (open === null) continue;
    const end = lines.findIndex((l, j) => j > i && l === '```');
    if (end === -1) throw new Error(`line ${i + 1}: unclosed code block`);
    const before = i > 0 ? lines[i - 1]!.trim() : '';
    blocks.push({ line: i + 1, lang: open[1]!, marker: before.startsWith('<!--') ? before : null, content: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return blocks;
}

const DECLARATION = /^(\s*)(?:export\s+)?(?:default\s+)?(?:declare\s+)?(?:abstract\s+)?(?:async\s+)?(?:function\s*\*?\s*|class\s+|const\s+|let\s+|interface\s+|type\s+|enum\s+)([A-Za-z_$][\w$]*)\b/;

/**
 * The source of declaration `name` in `source`: from the line that declares it through
 * its closing line — `}`, `};` or `});` at the declaration's indentation — or the one line if
 * the declaration ends on it (`export const CHAT_EVENT = 'chat';`).
 */
function extractDeclaration(source: string, name: string): string {
  const lines = source.split('\n');
  const start = lines.findIndex((line) => DECLARATION.exec(line)?.[2] === name);
  if (start === -1) throw new Error(`no declaration of ${name}`);
  const indent = DECLARATION.exec(lines[start]!)![1]!;
  if (/;\s*$/.test(lines[start]!)) return lines[start]!;
  const end = lines.findIndex((line, i) => i > start && (line === `${indent}}` || line === `${indent}};` || line === `${indent}});`));
  if (end === -1) throw new Error(`no closing line for ${name}`);
  return lines.slice(start, end + 1).join('\n');
}

function relative(file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

describe('the guide', () => {
  it('has the chapters and the index', () => {
    expect(pages.length).toBeGreaterThanOrEqual(13);
    const index = fs.readFileSync(path.join(docs, 'README.md'), 'utf8');
    for (const page of pages.slice(0, -1)) expect(index, `docs/README.md links ${path.basename(page)}`).toContain(`](guide/${path.basename(page)})`);
  });

  it('extracts declarations the way the markers mean them', () => {
    const source = ['export const A = 1;', '/** doc */', 'export function* b(x: number) {', '  if (x) {', '  }', '}', 'const c = () => {', '  return 1;', '};', 'tail'].join('\n');
    expect(extractDeclaration(source, 'A')).toBe('export const A = 1;');
    expect(extractDeclaration(source, 'b')).toBe('export function* b(x: number) {\n  if (x) {\n  }\n}');
    expect(extractDeclaration(source, 'c')).toBe('const c = () => {\n  return 1;\n};');
    expect(() => extractDeclaration(source, 'd')).toThrow('no declaration of d');
  });

  for (const page of pages) {
    const name = relative(page);
    const markdown = fs.readFileSync(page, 'utf8');

    describe(name, () => {
      it('every TypeScript block is included from tested code, or is a compiled snippet', () => {
        const blocks = codeBlocks(markdown).filter((b) => ['ts', 'typescript', 'js', 'javascript', 'tsx'].includes(b.lang));
        for (const block of blocks) {
          const where = `${name}:${block.line}`;
          expect(block.lang, `${where}: TypeScript blocks are \`\`\`ts`).toBe('ts');
          expect(block.marker, `${where}: a ts block needs an include or snippet marker right before it`).not.toBeNull();
          const include = /^<!-- include: ([^#\s]+)(?:#([\w$]+))? -->$/.exec(block.marker!);
          const snippet = /^<!-- snippet: (guide\/snippets\/[\w.-]+\.ts) -->$/.exec(block.marker!);
          if (include !== null) {
            const [, file, declaration] = include;
            expect(TESTED.some((re) => re.test(file!)), `${where}: ${file} is not example, test, snippet or demo code`).toBe(true);
            const source = fs.readFileSync(path.join(root, file!), 'utf8');
            const expected = declaration === undefined ? source.replace(/\n$/, '') : extractDeclaration(source, declaration);
            expect(block.content, `${where}: the block differs from ${file}${declaration === undefined ? '' : `#${declaration}`}`).toBe(expected);
          } else {
            expect(snippet, `${where}: unknown marker ${block.marker}`).not.toBeNull();
            const source = fs.readFileSync(path.join(docs, snippet![1]!), 'utf8');
            expect(block.content, `${where}: the block differs from docs/${snippet![1]}`).toBe(source.replace(/\n$/, ''));
          }
        }
      });

      it('every marker is followed by its code block', () => {
        const lines = markdown.split('\n');
        lines.forEach((line, i) => {
          if (/^<!-- (include|snippet):/.test(line.trim())) expect(lines[i + 1], `${name}:${i + 1}: a marker must be right before a \`\`\`ts block`).toBe('```ts');
        });
      });

      it('every relative link points to a file that exists', () => {
        const prose = markdown.replace(/^```[\s\S]*?^```$/gm, '');
        const links = [...prose.matchAll(/\[[^\]]*\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
        for (const link of links) {
          if (/^[a-z][a-z0-9+.-]*:/i.test(link) || link.startsWith('#')) continue;
          const target = path.resolve(path.dirname(page), decodeURIComponent(link.split('#')[0]!));
          expect(fs.existsSync(target), `${name}: broken link ${link}`).toBe(true);
        }
      });
    });
  }

  it('every snippet is used by the guide and run by test/guide-snippets.test.ts', () => {
    const files = fs.readdirSync(snippets).filter((f) => f.endsWith('.ts'));
    const everything = pages.map((p) => fs.readFileSync(p, 'utf8')).join('\n');
    const runner = fs.readFileSync(path.join(docs, 'test', 'guide-snippets.test.ts'), 'utf8');
    for (const file of files) {
      expect(everything, `no chapter shows guide/snippets/${file}`).toMatch(new RegExp(`(snippet: guide|include: docs/guide)/snippets/${file.replace('.', '\\.')}`));
      expect(runner, `test/guide-snippets.test.ts does not import ${file}`).toContain(`../guide/snippets/${file.replace(/\.ts$/, '.js')}`);
    }
  });
});
