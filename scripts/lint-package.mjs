#!/usr/bin/env node
// Checks that a package is publishable on its own and keeps `any` out of its public API:
// run from a package folder after `build`.
import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const problems = [];
for (const field of ['name', 'version', 'description', 'license', 'exports', 'types', 'files']) {
  if (pkg[field] === undefined) problems.push(`package.json has no "${field}"`);
}
if (!String(pkg.name).startsWith('@diesel/')) problems.push(`package name ${pkg.name} is not in the @diesel scope`);
if (!existsSync('README.md')) problems.push('no README.md');
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

if (problems.length > 0) {
  console.error(`${pkg.name}: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`${pkg.name}: publishable, no 'any' in public types, every entry point imports and requires`);
