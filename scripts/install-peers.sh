#!/usr/bin/env bash
# Installs the real protocol peers the tests drive: curl, wrk, openssl, socat, ncat, a
# headless Chromium, and redis-server / redis-cli / redis-benchmark (@diesel/redis).
# Debian/Ubuntu; run it as root (no sudo needed: `bash scripts/install-peers.sh` in a root
# shell or container, or prefix sudo yourself). Skips what is already there.
set -euo pipefail
need=()
command -v curl >/dev/null || need+=(curl)
command -v wrk >/dev/null || need+=(wrk)
command -v openssl >/dev/null || need+=(openssl)
command -v socat >/dev/null || need+=(socat)
command -v ncat >/dev/null || need+=(ncat)
# The guide's "Run it" blocks say `nc -C`; Debian's ncat provides `nc` as an alternative.
command -v nc >/dev/null || need+=(ncat)
command -v chromium >/dev/null || need+=(chromium)
command -v redis-server >/dev/null || need+=(redis-server)
# redis-tools brings redis-cli and redis-benchmark.
command -v redis-cli >/dev/null || need+=(redis-tools)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-peers: missing ${need[*]}; run this script as root to install them (apt-get)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "peers: curl wrk openssl socat ncat chromium redis-server redis-cli present"
# Benchmark-only peers (`pnpm bench`, not run in CI): the forwarder's scp bench needs
# openssh-server and openssh-client, the Go ceiling golang-go. Not installed here; the
# benches skip their rows with a note when these are missing.
bench_missing=()
[ -x /usr/sbin/sshd ] || bench_missing+=(openssh-server)
command -v scp >/dev/null || bench_missing+=(openssh-client)
command -v go >/dev/null || bench_missing+=(golang-go)
if [ ${#bench_missing[@]} -gt 0 ]; then
  echo "bench only (optional): apt-get install ${bench_missing[*]}"
fi
