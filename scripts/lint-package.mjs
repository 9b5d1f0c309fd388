#!/usr/bin/env node
// Checks that a package is publishable on its own and keeps `any` out of its public API:
// run from a package folder after `build`.
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
if (pkg.name !== '@diesel/core' && !pkg.dependencies?.['@diesel/core'] && !pkg.peerDependencies?.['@diesel/core']) problems.push('does not depend on @diesel/core');

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
if (problems.length > 0) {
  console.error(`${pkg.name}: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`${pkg.name}: publishable, no 'any' in public types`);
