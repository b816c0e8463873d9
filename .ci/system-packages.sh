#!/usr/bin/env bash
# The Debian packages the tests start for real: dump1090-mutability (a peer decoder on
# the network tests' other end), chromium and chromium-driver (the web map's browser),
# mosquitto (the MQTT broker --notify's alerts go to), postgresql (the server of the
# store's PostgreSQL tests).
# Installs what is missing (as root, or through sudo); does nothing when all are there.
set -euo pipefail
needed=()
command -v dump1090-mutability >/dev/null || needed+=(dump1090-mutability)
command -v chromium >/dev/null || needed+=(chromium)
command -v chromedriver >/dev/null || needed+=(chromium-driver)
# /usr/sbin: not on every user's PATH
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || needed+=(mosquitto)
# Debian keeps initdb and pg_ctl in /usr/lib/postgresql/VERSION/bin, off PATH
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null \
    || needed+=(postgresql)
[ ${#needed[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ]; then sudo=(); else sudo=(sudo); fi
if ! command -v apt-get >/dev/null; then
    echo "system-packages: no apt-get here; install ${needed[*]} yourself" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${needed[@]}" >/dev/null
