#!/usr/bin/env bash
# Installs what FedTwin needs besides the Swift toolchain: the Debian packages for the
# system libraries (OpenSSL, zlib, pkg-config) and the Python packages of the protocol
# checker. As root it installs them; otherwise it prints the exact commands and fails.
set -euo pipefail

DEB_PACKAGES=(libssl-dev zlib1g-dev pkg-config)
missing=()
for pkg in "${DEB_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$pkg")
    fi
done
if ((${#missing[@]} > 0)); then
    if [[ $(id -u) -eq 0 ]]; then
        echo "setup: installing Debian packages: ${missing[*]}" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        echo "setup: missing Debian packages: ${missing[*]}" >&2
        echo "setup: run as root:  apt-get update && apt-get install -y ${missing[*]}" >&2
        exit 1
    fi
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "setup: the Swift toolchain (6.0 or later) is not on PATH; install it from swift.org first" >&2
    exit 1
fi

if ! command -v python3 >/dev/null 2>&1; then
    if [[ $(id -u) -eq 0 ]]; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-pip >/dev/null
    else
        echo "setup: python3 is missing; run as root: apt-get install -y python3 python3-pip" >&2
        exit 1
    fi
fi

if ! python3 -c "import cryptography, numpy" >/dev/null 2>&1; then
    echo "setup: installing Python packages for the protocol checker (cryptography, numpy)" >&2
    python3 -m pip install --quiet -r protocol/checker/requirements.txt \
        || python3 -m pip install --quiet --break-system-packages -r protocol/checker/requirements.txt
fi
