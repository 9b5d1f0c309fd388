#!/usr/bin/env node
// Checks that a package is publishable on its own and keeps `any` out of its public API:
// run from a package folder after `build`.
import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync, readdirSync, statSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const problems = [];
for (const field of ['name', 'version', 'description', 'license', 'exports', 'types', 'files']) {
  if (pkg[field] === undefined) problems.push(`package.json has no "${field}"`);
}
if (!String(pkg.name).startsWith('@diesel/')) problems.push(`package name ${pkg.name} is not in the @diesel scope`);
// What npm shows and ships: where the code lives, where to report bugs, and the files a
// user of the tarball needs.
const REPO = 'https://github.com/diesel-ts/diesel';
const folder = `packages/${String(pkg.name).replace(/^@diesel\//, '')}`;
const repository = pkg.repository ?? {};
if (repository.type !== 'git' || repository.url !== `git+${REPO}.git` || repository.directory !== folder) {
  problems.push(`"repository" must be { "type": "git", "url": "git+${REPO}.git", "directory": "${folder}" }`);
}
if (pkg.homepage !== `${REPO}/tree/main/${folder}#readme`) problems.push(`"homepage" must be "${REPO}/tree/main/${folder}#readme"`);
if ((pkg.bugs?.url ?? pkg.bugs) !== `${REPO}/issues`) problems.push(`"bugs" must be { "url": "${REPO}/issues" }`);
if (!pkg.author) problems.push('package.json has no "author"');
if (!Array.isArray(pkg.keywords) || pkg.keywords.length === 0) problems.push('package.json has no "keywords"');
if (pkg.engines?.node !== '>=20') problems.push('"engines" must be { "node": ">=20" }');
for (const f of ['dist', 'README.md', 'LICENSE', 'CHANGELOG.md']) if (!pkg.files?.includes(f)) problems.push(`"files" does not list ${f}`);
if (!existsSync('README.md')) problems.push('no README.md');
else {
  // The README is read on npm, without the repository around it.
  const readme = readFileSync('README.md', 'utf8').replace(/```[\s\S]*?```/g, '');
  for (const [, target] of readme.matchAll(/\]\(([^)]+)\)/g)) {
    if (!/^(https?:|mailto:|#)/.test(target)) problems.push(`README links to ${target}: use an absolute ${REPO}/... link`);
  }
  for (const section of readme.split(/^(?=#{2,3} )/m)) {
    const heading = /^#{2,3} (Examples|Tests|Benchmark|Performance)\b.*/.exec(section)?.[0];
    if (heading && !/in the \[?repository/i.test(section)) problems.push(`README section "${heading}" must say its files are in the repository, not the npm package`);
  }
}
if (!existsSync('LICENSE')) problems.push('no LICENSE');
for (const dir of ['src', 'test', 'examples']) if (!existsSync(dir)) problems.push(`no ${dir}/ folder`);
// An application must have exactly one core (and one of each diesel package): so every
// diesel package another one uses is a peer, with a range that keeps matching across 0.x
// minors (a caret on 0.x would not), and a workspace dev dependency to build against.
if (pkg.name !== '@diesel/core' && !pkg.peerDependencies?.['@diesel/core']) problems.push('does not list @diesel/core in peerDependencies');
for (const [dep, range] of Object.entries(pkg.dependencies ?? {})) {
  if (dep.startsWith('@diesel/')) problems.push(`${dep} is in dependencies: make it a peer (and a workspace:^ dev) dependency`);
  if (String(range).startsWith('workspace:')) problems.push(`dependency ${dep} uses ${range}`);
}
for (const [dep, range] of Object.entries(pkg.peerDependencies ?? {})) {
  if (!dep.startsWith('@diesel/')) continue;
  if (!/^>=0\.\d+\.\d+ <1\.0\.0$/.test(range)) problems.push(`peer ${dep}@${range}: use ">=0.MINOR.PATCH <1.0.0" while diesel is 0.x`);
  if (pkg.devDependencies?.[dep] !== 'workspace:^') problems.push(`peer ${dep} has no "workspace:^" dev dependency`);
}

function* files(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}
if (existsSync('dist')) {
  for (const file of files('dist')) {
    if (!file.endsWith('.d.ts')) continue;
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (/(:\s*any\b|<any>|\bany\[\]|as any\b)/.test(line)) problems.push(`${file}:${i + 1}: 'any' in a public type: ${line.trim()}`);
    });
  }
} else {
  problems.push('no dist/: run build first');
}
// Every entry point answers `import` and `require` (Node >= 20.19 requires ES modules
// through `default`), with `types` first as TypeScript reads the conditions in order.
const entries = Object.entries(pkg.exports ?? {}).filter(([subpath]) => subpath !== './package.json');
for (const [subpath, entry] of entries) {
  const keys = typeof entry === 'object' && entry !== null ? Object.keys(entry) : [];
  if (keys.join() !== 'types,import,default') problems.push(`exports["${subpath}"] must be { types, import, default }, got ${JSON.stringify(entry)}`);
}
if (existsSync('dist') && entries.length > 0) {
  const specs = entries.map(([subpath]) => `${pkg.name}${subpath.slice(1)}`);
  // A fresh node per package: require(esm) fails on top-level await anywhere in the graph
  // (ERR_REQUIRE_ASYNC_MODULE), and require and import must give the same module.
  const probe = `
    const problems = [];
    (async () => {
      for (const spec of ${JSON.stringify(specs)}) {
        let required;
        try { required = require(spec); } catch (error) { problems.push(\`require('\${spec}') fails: \${error.code ?? ''} \${error.message.split('\\n')[0]}\`); continue; }
        if (Object.keys(required).length === 0) problems.push(\`require('\${spec}') exports nothing\`);
        if ((await import(spec)) !== required) problems.push(\`require('\${spec}') and import('\${spec}') give different modules\`);
      }
      console.log(JSON.stringify(problems));
    })();`;
  try {
    const out = execFileSync(process.execPath, ['-e', probe], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    problems.push(...JSON.parse(out.trim().split('\n').at(-1)));
  } catch (error) {
    problems.push(`loading the entry points failed: ${String(error.stderr ?? error).split('\n').slice(0, 5).join(' ')}`);
  }
}

// What the tarball holds, as npm packs it: every source map must resolve without the
// repository (sources inlined, or shipped next to it), so `node --enable-source-maps`
// traces and debuggers show real files; README and LICENSE must be in it.
if (existsSync('dist')) {
  let packed = [];
  try {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    packed = JSON.parse(out)[0].files.map((f) => f.path);
  } catch (error) {
    problems.push(`npm pack --dry-run failed: ${String(error.stderr ?? error).split('\n')[0]}`);
  }
  const inTarball = new Set(packed);
  for (const f of ['README.md', 'LICENSE', 'package.json']) if (packed.length > 0 && !inTarball.has(f)) problems.push(`the tarball has no ${f}`);
  for (const file of packed.filter((f) => f.endsWith('.map'))) {
    const map = JSON.parse(readFileSync(file, 'utf8'));
    const sources = map.sources ?? [];
    sources.forEach((source, i) => {
      const content = map.sourcesContent?.[i];
      const shipped = inTarball.has(join(dirname(file), map.sourceRoot ?? '', source).split(sep).join('/'));
      if (typeof content !== 'string' && !shipped) problems.push(`${file}: source ${source} is neither inlined (sourcesContent) nor in the tarball`);
    });
  }
}

// The declarations as a stricter consumer sees them: no esModuleInterop (a default import
// of 'node:net' in a .d.ts breaks it), no skipLibCheck (every shipped .d.ts is checked),
// under both resolutions a TypeScript user picks. The consumer sits in a folder inside
// the package (no package.json of its own) so `pkg.name` resolves through its `exports`.
if (existsSync('dist') && entries.length > 0) {
  const tsc = createRequire(join(process.cwd(), 'package.json')).resolve('typescript/bin/tsc');
  const dir = mkdtempSync(join(process.cwd(), '.lint-consumer-'));
  try {
    const specs = entries.map(([subpath]) => `${pkg.name}${subpath.slice(1)}`);
    writeFileSync(join(dir, 'consumer.ts'), specs.map((spec, i) => `import * as entry${i} from '${spec}';\nexport const keys${i}: string[] = Object.keys(entry${i});\n`).join(''));
    const base = { strict: true, esModuleInterop: false, allowSyntheticDefaultImports: false, skipLibCheck: false, noEmit: true, target: 'ES2022', lib: ['ES2023'], types: ['node'] };
    for (const [label, options] of [
      ['NodeNext', { module: 'NodeNext', moduleResolution: 'NodeNext' }],
      ['bundler', { module: 'ESNext', moduleResolution: 'bundler' }],
    ]) {
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { ...base, ...options }, files: ['consumer.ts'] }));
      try {
        execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (error) {
        const lines = String(error.stdout ?? error).trim().split('\n').filter((l) => l.includes('error TS'));
        problems.push(`types fail for a consumer (${label}, esModuleInterop off, skipLibCheck off):\n    ${lines.slice(0, 8).join('\n    ')}`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (problems.length > 0) {
  console.error(`${pkg.name}: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`${pkg.name}: publishable, no 'any' in public types, every entry point imports and requires, types check without esModuleInterop/skipLibCheck`);
