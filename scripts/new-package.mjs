#!/usr/bin/env node
// `pnpm new-package <name> [--description "..."]`: creates packages/<name>, a protocol
// package wired into the workspace (modelled on packages/log and packages/forwarder),
// from the templates in scripts/new-package-template/. Every file there ends in .tmpl so
// no tool of the workspace mistakes a template for a package; the placeholders are
// __NAME__ (kebab-case), __PASCAL__, __UPPER__ and __DESCRIPTION__.
// CONTRIBUTING.md says what to do next.
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const templates = join(root, 'scripts', 'new-package-template');
const SCOPE = '@diesel/';

function fail(message) {
  console.error(`new-package: ${message}`);
  console.error('usage: pnpm new-package <name> [--description "one line for npm"]');
  process.exit(2);
}

/** npm's rules for a package name, narrowed to the kebab-case every diesel package uses. */
export function nameProblem(name) {
  if (name === undefined || name === '') return 'a package name is required, e.g. `pnpm new-package redis`';
  if (name.startsWith(SCOPE)) return `give the name without the scope: \`${name.slice(SCOPE.length)}\`, not \`${name}\``;
  if (name !== name.toLowerCase()) return `"${name}": npm names are lowercase`;
  if (name !== name.trim() || /\s/.test(name)) return `"${name}": a name has no spaces`;
  if (/^[._]/.test(name)) return `"${name}": npm names cannot start with "." or "_"`;
  if (encodeURIComponent(name) !== name) return `"${name}": npm names are URL-safe (letters, digits, "-", ".", "_", "~")`;
  if (SCOPE.length + name.length > 214) return `"${name}": npm names are at most 214 characters with the scope`;
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name)) {
    return `"${name}": diesel package names are kebab-case: a letter, then letters, digits and single dashes (e.g. "redis", "line-proto")`;
  }
  if (name === 'node_modules' || name === 'favicon.ico') return `"${name}" is a name npm reserves`;
  return null;
}

function workspaceNames() {
  const names = new Map();
  for (const folder of [...readdirSync(join(root, 'packages')).map((d) => join('packages', d)), 'docs']) {
    const manifest = join(root, folder, 'package.json');
    if (existsSync(manifest)) names.set(JSON.parse(readFileSync(manifest, 'utf8')).name, folder);
  }
  return names;
}

function* walk(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}

const args = process.argv.slice(2);
let name;
let description;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--description') description = args[++i];
  else if (args[i] === '--help' || args[i] === '-h') fail('creates packages/<name> from the scaffold');
  else if (args[i].startsWith('-')) fail(`unknown option ${args[i]}`);
  else if (name === undefined) name = args[i];
  else fail(`one name at a time (got "${name}" and "${args[i]}")`);
}
const problem = nameProblem(name);
if (problem !== null) fail(problem);
const target = join(root, 'packages', name);
if (existsSync(target)) fail(`packages/${name} already exists: pick another name or remove that folder first`);
const taken = workspaceNames().get(SCOPE + name);
if (taken !== undefined) fail(`${SCOPE}${name} is already the name of the package in ${taken}/`);
const changeset = join(root, '.changeset', `${name}-initial.md`);
if (existsSync(changeset)) fail(`.changeset/${name}-initial.md already exists`);
if (description !== undefined && (description.trim() === '' || /[\n"\\]/.test(description))) {
  fail('--description is one line without quotes or backslashes');
}

const pascal = name.split('-').map((part) => part[0].toUpperCase() + part.slice(1)).join('');
const values = {
  __NAME__: name,
  __PASCAL__: pascal,
  __UPPER__: name.replaceAll('-', '_').toUpperCase(),
  __DESCRIPTION__: description ?? `diesel's ${name} protocol: a sans-I/O codec and a connection handler for core's Service`,
};
const fill = (text) => text.replace(/__(NAME|PASCAL|UPPER|DESCRIPTION)__/g, (placeholder) => values[placeholder]);

const created = [];
for (const source of walk(templates)) {
  const rel = relative(templates, source);
  if (!rel.endsWith('.tmpl')) continue;
  const dest = rel === 'changeset.md.tmpl' ? changeset : join(target, rel.slice(0, -'.tmpl'.length));
  mkdirSync(dirname(dest), { recursive: true });
  writeFileSync(dest, fill(readFileSync(source, 'utf8')));
  created.push(relative(root, dest));
}
copyFileSync(join(root, 'LICENSE'), join(target, 'LICENSE'));
created.push(relative(root, join(target, 'LICENSE')));

console.log(`created ${SCOPE}${name}:\n  ${created.sort().join('\n  ')}`);
console.log(`next:
  npx pnpm@12.4.2 install                      # links it into the workspace (commit pnpm-lock.yaml)
  npx pnpm@12.4.2 --filter ${SCOPE}${name} build
  npx pnpm@12.4.2 --filter ${SCOPE}${name} test
  then replace the example codec with your protocol's (see CONTRIBUTING.md)`);
