#!/usr/bin/env bash
# Installs what the project needs on a fresh Debian machine: the system packages (as root, with
# apt-get, only those missing) and the npm dependencies, then builds. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages used by the tool's optional parts and by the test suite.
SYSTEM_PACKAGES=(ca-certificates openmpi-bin libopenmpi-dev slurm-wlm munge prometheus aria2)

missing=()
for pkg in "${SYSTEM_PACKAGES[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing system packages: ${missing[*]} (run as root, or install them with apt-get)" >&2
    exit 1
  fi
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# node-gyp builds offline against the Node headers installed in /usr.
export npm_config_nodedir="${npm_config_nodedir:-/usr}"
# `npm install`, not `npm ci`: the lock cannot list optional platform packages the registry here does not hold,
# which `npm ci` refuses; install still follows the lock for everything it lists.
npm install --no-audit --no-fund
npm run build
