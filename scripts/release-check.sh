#!/usr/bin/env bash
# The release, end to end, against a real private npm registry on 127.0.0.1:
#
#  1. verdaccio 6.8.0 is installed with npm into a temp folder (its node-fetch overridden
#     to 2.7.0, which lets it run on Node 20) and started on a free loopback port with its
#     storage in a temp folder, no uplinks, anonymous publish allowed to @diesel/*.
#  2. A throwaway `git clone` of this repository (its committed HEAD) is installed and
#     built, then the real release flow runs in it: `pnpm version-packages` (changeset
#     version) and `pnpm release` (turbo build + changeset publish), with the registry and
#     the @diesel scope pointed at 127.0.0.1 only. Every package must come out at the
#     version its new CHANGELOG.md names, with no changeset left behind.
#     With RELEASE_CHECK_NODES="dir ..." (bin folders of other Nodes) the same flow runs
#     again under each of those Nodes, each against a fresh, empty registry.
#  3. In fresh folders, with npm and with pnpm, each package is installed alone and a
#     smoke app runs: ES module import, CommonJS require, strict TypeScript (NodeNext and
#     bundler, shipped declarations checked) with typed `yield*` results, a live core echo
#     service and a live HTTP request; then a skewed pair (core one minor ahead, published
#     here as 0.(n+1).0, installed next to http) must give a working app or a clear error
#     (a second core forced under http must fail at load with DIESEL_ERR_DUPLICATE_CORE),
#     never a hang; `diesel-forward --help` and `diesel-chat --help` from installed bins.
#
# Every step is bounded in time; the registry and temp folders are removed by a trap.
# Prints one line per check and a summary; exits 1 if any check failed.
#   RELEASE_CHECK_KEEP=1   keep the work folder (its path is printed) to look at logs.
#   RELEASE_CHECK_VERDACCIO=DIR   use the verdaccio already installed in DIR/node_modules.
set -euo pipefail

REPO="$(cd "$(dirname "$0")/.." && pwd)"
HERE="$REPO/scripts/release-check"
PNPM_VERSION=12.4.2
VERDACCIO_VERSION=6.8.0
NODE_BIN="$(command -v node)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/diesel-release-check.XXXXXX")"
LOGS="$WORK/logs"
mkdir -p "$LOGS"
REGISTRY_PID=""
PORT=""
PASSED=()
FAILED=()

stop_registry() {
  if [ -n "$REGISTRY_PID" ]; then
    kill "$REGISTRY_PID" 2>/dev/null || true
    wait "$REGISTRY_PID" 2>/dev/null || true
    REGISTRY_PID=""
  fi
}
cleanup() {
  local code=$?
  stop_registry
  if [ "${RELEASE_CHECK_KEEP:-}" = 1 ]; then echo "release-check: kept $WORK"; else rm -rf "$WORK"; fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n== release-check [node %s]: %s\n' "$(node --version)" "$*"; }
# Every external command is bounded: a hang becomes a failure with a log, not a stuck CI.
bounded() { local limit=$1; shift; timeout --kill-after=10s "$limit" "$@"; }
pnpm_() { bounded 600 npx --yes "pnpm@$PNPM_VERSION" "$@"; }

# check NAME CMD...: runs CMD in a subshell with -e, its output in a log; records the result.
check() {
  local name=$1 log
  shift
  log="$LOGS/$(printf '%03d' $(( ${#PASSED[@]} + ${#FAILED[@]} )))-$(echo "$name" | tr -c 'a-zA-Z0-9' '-' | cut -c1-60).log"
  set +e
  ( set -e; "$@" ) >"$log" 2>&1
  local code=$?
  set -e
  if [ "$code" -eq 0 ]; then
    PASSED+=("$name")
    echo "  ok    $name"
  else
    FAILED+=("$name")
    echo "  FAIL  $name (exit $code); last lines of its log:"
    tail -n 25 "$log" | sed 's/^/        /'
  fi
}

free_port() {
  "$NODE_BIN" -e "const s=require('node:net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

install_verdaccio() {
  if [ -n "${RELEASE_CHECK_VERDACCIO:-}" ]; then
    # A folder where verdaccio is installed already (to iterate on this script quickly).
    mkdir -p "$WORK/verdaccio"
    ln -s "$RELEASE_CHECK_VERDACCIO/node_modules" "$WORK/verdaccio/node_modules"
    return 0
  fi
  mkdir -p "$WORK/verdaccio"
  cat >"$WORK/verdaccio/package.json" <<JSON
{ "private": true, "dependencies": { "verdaccio": "$VERDACCIO_VERSION" }, "overrides": { "node-fetch": "2.7.0" } }
JSON
  (cd "$WORK/verdaccio" && bounded 900 npm install --no-audit --no-fund --loglevel=error)
}

# start_registry STORAGE: a verdaccio on a free port of 127.0.0.1, always on this
# machine's Node (the one it was installed for), whatever Node the release runs on.
start_registry() {
  local storage=$1 attempt
  mkdir -p "$storage"
  cat >"$WORK/verdaccio/config.yaml" <<YAML
storage: $storage
auth:
  htpasswd:
    file: $WORK/verdaccio/htpasswd
    max_users: -1
uplinks: {}
packages:
  '@diesel/*':
    access: \$all
    publish: \$anonymous
  '**':
    access: \$all
log: { type: stdout, format: pretty, level: warn }
YAML
  for attempt in 1 2 3; do
    PORT="$(free_port)"
    "$NODE_BIN" "$WORK/verdaccio/node_modules/verdaccio/bin/verdaccio" --config "$WORK/verdaccio/config.yaml" \
      --listen "127.0.0.1:$PORT" >>"$LOGS/verdaccio.log" 2>&1 &
    REGISTRY_PID=$!
    for _ in $(seq 1 120); do
      if curl -sf "http://127.0.0.1:$PORT/-/ping" >/dev/null 2>&1; then
        REGISTRY="http://127.0.0.1:$PORT/"
        return 0
      fi
      kill -0 "$REGISTRY_PID" 2>/dev/null || break
      sleep 0.5
    done
    stop_registry # the port was taken between free_port and listen: try another
  done
  echo "verdaccio did not start; its log:" >&2
  cat "$LOGS/verdaccio.log" >&2
  return 1
}

# The clone talks to 127.0.0.1 only when it publishes (a project .npmrc, read by pnpm and
# npm); the token is a placeholder: the registry allows anonymous publish, npm wants one.
point_clone_at_registry() {
  cat >"$CLONE/.npmrc" <<NPMRC
registry=$REGISTRY
@diesel:registry=$REGISTRY
//127.0.0.1:$PORT/:_authToken=release-check-anonymous
NPMRC
}

# Smoke folders take @diesel/* from 127.0.0.1 only; other packages (node-forge, a
# dependency of @diesel/tls) come from the default registry.
smoke_folder() {
  local dir=$1
  rm -rf "$dir"
  mkdir -p "$dir"
  printf '{ "name": "smoke", "private": true, "type": "module" }\n' >"$dir/package.json"
  printf '@diesel:registry=%s\n' "$REGISTRY" >"$dir/.npmrc"
  cp "$HERE"/*.mjs "$HERE"/*.cjs "$HERE"/*.ts "$HERE"/tsconfig.*.json "$dir/"
}

public_packages() {
  (cd "$CLONE" && for manifest in packages/*/package.json; do
    "$NODE_BIN" -e "const p=require('./$manifest'); if (!p.private) console.log(p.name)"
  done)
}

expected_versions_ok() {
  # Every public package is at the version its CHANGELOG's first heading names, and
  # that version is on the registry; no changeset is left behind.
  local left
  left="$(cd "$CLONE/.changeset" && ls | grep -v '^config.json$' | grep -v '^README.md$' || true)"
  if [ -n "$left" ]; then echo "changesets left behind: $left"; return 1; fi
  for name in $(public_packages); do
    local dir version heading published
    dir="$CLONE/packages/${name#@diesel/}"
    version="$("$NODE_BIN" -p "require('$dir/package.json').version")"
    heading="$(grep -m1 '^## ' "$dir/CHANGELOG.md" | cut -c4-)"
    [ "$version" = "$heading" ] || { echo "$name: package.json says $version, CHANGELOG.md says $heading"; return 1; }
    [ "$version" = "$EXPECTED_VERSION" ] || { echo "$name: at $version, expected $EXPECTED_VERSION"; return 1; }
    published="$(bounded 60 npm view "$name@$version" version --registry "$REGISTRY")"
    [ "$published" = "$version" ] || { echo "$name@$version is not on the registry"; return 1; }
    echo "$name $version: CHANGELOG.md and registry agree"
  done
}

release_flow() {
  # Back to the cloned commit (a previous run under another Node versioned and tagged it).
  (cd "$CLONE" && git reset -q --hard "$INITIAL" && git clean -qfd && git tag -l | xargs -r git tag -d >/dev/null)
  (cd "$CLONE" && pnpm_ run version-packages)
  (cd "$CLONE" && git add -A && git -c user.name=release-check -c user.email=release-check@localhost commit -qm "release-check: version packages")
  point_clone_at_registry
  (cd "$CLONE" && npm_config_registry="$REGISTRY" pnpm_ run release)
  expected_versions_ok
}

# with_node DIR CMD...: CMD with DIR's node first on PATH (check runs it in a subshell).
with_node() {
  local dir=$1
  shift
  export PATH="$dir:$PATH"
  echo "node on PATH: $(command -v node) $(node --version)"
  "$@"
}

# ---- 1. the registry ----------------------------------------------------------------
say "installing verdaccio $VERDACCIO_VERSION into $WORK/verdaccio"
install_verdaccio
start_registry "$WORK/storage"
echo "registry: $REGISTRY (verdaccio pid $REGISTRY_PID)"

# ---- 2. the release flow from a throwaway clone ---------------------------------------
CLONE="$WORK/clone"
say "cloning $REPO (HEAD $(git -C "$REPO" rev-parse --short HEAD)) into $CLONE; install and build"
git clone -q "$REPO" "$CLONE"
INITIAL="$(git -C "$CLONE" rev-parse HEAD)"
(cd "$CLONE" && pnpm_ install --frozen-lockfile && pnpm_ run build) >"$LOGS/clone-install-build.log" 2>&1 || {
  tail -n 40 "$LOGS/clone-install-build.log"
  echo "release-check: the clone does not install or build" >&2
  exit 1
}
# Never published: every package is at 0.0.0 and its pending changesets hold a minor,
# so the first release is 0.1.0 (CONTRIBUTING.md, "Releasing").
EXPECTED_VERSION=0.1.0
for dir in ${RELEASE_CHECK_NODES:-}; do
  say "release flow under $("$dir/node" --version) ($dir), against a fresh registry"
  stop_registry
  start_registry "$WORK/storage-$(basename "$(dirname "$dir")")"
  check "release flow (changeset version + publish) on Node $("$dir/node" --version)" with_node "$dir" release_flow
done
say "release flow under this machine's Node, against a fresh registry"
stop_registry
start_registry "$WORK/storage"
check "release flow (changeset version + publish) on Node $(node --version)" release_flow

# ---- 3. installing what was published --------------------------------------------------
TSC="$CLONE/node_modules/typescript/bin/tsc"
TYPES="$CLONE/node_modules/@types"

typescript_checks() {
  local dir=$1 name=$2
  printf "import * as loaded from '%s';\nexport const exported: object = loaded;\n" "$name" >"$dir/package-types.ts"
  for mode in nodenext bundler; do
    bounded 300 "$NODE_BIN" "$TSC" -p "$dir/tsconfig.$mode.json" --typeRoots "$TYPES"
    echo "$name: strict TypeScript ($mode) accepts it and its yield* results are typed"
  done
}

smoke_package() {
  local tool=$1 name=$2 dir=$3
  (cd "$dir" && bounded 60 node import.mjs "$name" && bounded 60 node require.cjs "$name")
  # Under pnpm the app imports core itself, as the READMEs say: install it next to the package.
  typescript_checks "$dir" "$name"
  case "$name" in
    @diesel/core) (cd "$dir" && bounded 60 node echo-app.mjs) ;;
    @diesel/http) (cd "$dir" && bounded 60 node http-app.mjs) ;;
    @diesel/forwarder) (cd "$dir" && bounded 60 "./node_modules/.bin/diesel-forward" --help | tee /dev/stderr | grep -q 'usage: diesel-forward') ;;
    @diesel/chat) (cd "$dir" && bounded 60 "./node_modules/.bin/diesel-chat" --help | tee /dev/stderr | grep -q 'usage: diesel-chat') ;;
  esac
}

install_alone() {
  local tool=$1 name=$2 dir=$3
  smoke_folder "$dir"
  case "$tool" in
    npm) (cd "$dir" && bounded 600 npm install --no-audit --no-fund --loglevel=error "$name") ;;
    pnpm) (cd "$dir" && pnpm_ add "$name") ;;
  esac
  # The typed smoke file imports core, which every package has as a peer.
  (cd "$dir" && node -e "require.resolve('@diesel/core')" 2>/dev/null) || {
    echo "$tool: @diesel/core (peer) is not resolvable from the app after installing $name alone; adding it as the README says"
    case "$tool" in
      npm) (cd "$dir" && bounded 600 npm install --no-audit --no-fund --loglevel=error @diesel/core) ;;
      pnpm) (cd "$dir" && pnpm_ add @diesel/core) ;;
    esac
  }
  smoke_package "$tool" "$name" "$dir"
}

say "installing each package alone, with npm and with pnpm"
for tool in npm pnpm; do
  for name in $(public_packages); do
    check "$tool: $name installed alone: import, require, TypeScript, app" install_alone "$tool" "$name" "$WORK/smoke-$tool-${name#@diesel/}"
  done
done

# ---- 4. a skewed pair ------------------------------------------------------------------
skewed_publish() {
  # Core one minor ahead, through the same flow: a changeset, changeset version (core's
  # dependents must not be bumped: their peer range still matches), changeset publish.
  printf -- "---\n'@diesel/core': minor\n---\n\nrelease-check: core one minor ahead.\n" >"$CLONE/.changeset/release-check-skew.md"
  (cd "$CLONE" && pnpm_ run version-packages)
  local core http
  core="$("$NODE_BIN" -p "require('$CLONE/packages/core/package.json').version")"
  http="$("$NODE_BIN" -p "require('$CLONE/packages/http/package.json').version")"
  [ "$core" = 0.2.0 ] || { echo "core went to $core, expected 0.2.0"; return 1; }
  [ "$http" = "$EXPECTED_VERSION" ] || { echo "http went to $http: a core minor must not bump its dependents"; return 1; }
  (cd "$CLONE" && git add -A && git -c user.name=release-check -c user.email=release-check@localhost commit -qm "release-check: core minor")
  (cd "$CLONE" && npm_config_registry="$REGISTRY" pnpm_ run release)
  [ "$(bounded 60 npm view @diesel/core@0.2.0 version --registry "$REGISTRY")" = 0.2.0 ]
}

skewed_pair() {
  local tool=$1 dir=$2
  smoke_folder "$dir"
  case "$tool" in
    npm) (cd "$dir" && bounded 600 npm install --no-audit --no-fund --loglevel=error @diesel/core@0.2.0 "@diesel/http@$EXPECTED_VERSION") ;;
    pnpm) (cd "$dir" && pnpm_ add @diesel/core@0.2.0 "@diesel/http@$EXPECTED_VERSION") ;;
  esac
  # Either a working app or a clear error at install or load; `bounded` turns a hang into a failure.
  (cd "$dir" && bounded 60 node http-app.mjs)
}

forced_duplicate() {
  # What an old-style nested install left behind: a second core under http. It must
  # fail at load with DIESEL_ERR_DUPLICATE_CORE naming both copies, never hang.
  local dir=$1 out code
  mkdir -p "$dir/node_modules/@diesel/http/node_modules/@diesel"
  (cd "$dir" && bounded 120 npm pack --silent "@diesel/core@$EXPECTED_VERSION" --registry "$REGISTRY" >/dev/null)
  tar xzf "$dir/diesel-core-$EXPECTED_VERSION.tgz" -C "$dir/node_modules/@diesel/http/node_modules/@diesel"
  mv "$dir/node_modules/@diesel/http/node_modules/@diesel/package" "$dir/node_modules/@diesel/http/node_modules/@diesel/core"
  set +e
  out="$(cd "$dir" && bounded 60 node http-app.mjs 2>&1)"
  code=$?
  set -e
  echo "$out"
  [ "$code" -ne 124 ] || { echo "the app hung with two cores"; return 1; }
  [ "$code" -ne 0 ] || { echo "the app ran with two cores loaded, no error"; return 1; }
  echo "$out" | grep -q DIESEL_ERR_DUPLICATE_CORE || { echo "no DIESEL_ERR_DUPLICATE_CORE in the output"; return 1; }
}

say "a skewed pair: core one minor ahead of http"
check "publish core 0.2.0 (a core minor leaves its dependents alone)" skewed_publish
for tool in npm pnpm; do
  check "$tool: core 0.2.0 + http $EXPECTED_VERSION: a working app or a clear error" skewed_pair "$tool" "$WORK/skew-$tool"
done
check "npm: a second core forced under http fails at load with DIESEL_ERR_DUPLICATE_CORE" forced_duplicate "$WORK/skew-npm"

# ---- summary -----------------------------------------------------------------------------
say "${#PASSED[@]} passed, ${#FAILED[@]} failed"
for name in "${FAILED[@]}"; do echo "  FAIL  $name"; done
[ "${#FAILED[@]}" -eq 0 ]
