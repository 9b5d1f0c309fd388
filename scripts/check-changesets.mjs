#!/usr/bin/env node
// Refuses changesets that `changeset version` would not consume, before they pile up:
// one naming a private package (docs: `privatePackages.version` is false, so such a file
// would be left behind forever), one naming a package that is not in the workspace, a
// bump other than patch/minor/major, or a file without front matter or summary.
// Run by scripts/test.sh and by `pnpm version-packages`.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..');
const packages = new Map();
for (const folder of [...readdirSync(join(root, 'packages')).map((d) => join('packages', d)), 'docs']) {
  const manifest = join(root, folder, 'package.json');
  if (existsSync(manifest)) {
    const pkg = JSON.parse(readFileSync(manifest, 'utf8'));
    packages.set(pkg.name, { folder, private: pkg.private === true });
  }
}

const problems = [];
const dir = join(root, '.changeset');
const files = readdirSync(dir).filter((name) => name.endsWith('.md') && name !== 'README.md');
for (const name of files) {
  const text = readFileSync(join(dir, name), 'utf8');
  const match = /^---\r?\n([\s\S]*?)\r?\n---\r?\n([\s\S]*)$/.exec(text);
  if (match === null) {
    problems.push(`${name}: no front matter (--- / '@diesel/x': minor / ---)`);
    continue;
  }
  const [, head, summary] = match;
  const releases = head.split(/\r?\n/).filter((line) => line.trim() !== '');
  if (releases.length === 0) problems.push(`${name}: names no package`);
  if (summary.trim() === '') problems.push(`${name}: no summary for the changelog`);
  for (const line of releases) {
    const release = /^\s*(["']?)(@?[^"':\s]+)\1\s*:\s*(\S+)\s*$/.exec(line);
    if (release === null) {
      problems.push(`${name}: cannot read "${line}"`);
      continue;
    }
    const [, , pkg, bump] = release;
    const known = packages.get(pkg);
    if (known === undefined) problems.push(`${name}: ${pkg} is not a package of this workspace`);
    else if (known.private) problems.push(`${name}: ${pkg} (${known.folder}/) is private: it gets no changeset, it is never released`);
    if (!['patch', 'minor', 'major'].includes(bump)) problems.push(`${name}: "${bump}" for ${pkg} is not patch, minor or major`);
  }
}
if (problems.length > 0) {
  console.error(`changesets: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  process.exit(1);
}
console.log(`changesets: ${files.length} pending, each for a published package`);
