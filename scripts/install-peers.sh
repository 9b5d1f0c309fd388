#!/usr/bin/env bash
# Installs the real protocol peers the tests drive: curl, wrk, openssl, socat, ncat and a
# headless Chromium. Debian/Ubuntu; run it as root (no sudo needed: `bash
# scripts/install-peers.sh` in a root shell or container, or prefix sudo yourself). Skips
# what is already there.
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
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-peers: missing ${need[*]}; run this script as root to install them (apt-get)" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
echo "peers: curl wrk openssl socat ncat chromium present"
