#!/usr/bin/env bash
# Gets a fresh Debian machine with Node and npm to a built workspace: the pinned
# pnpm, the dependencies, every package built (native addons included), and,
# where the CPU has no PKU, the QEMU guest that runs the hardware tests.
set -euo pipefail
cd "$(dirname "$0")/.."

pnpm_version=$(node -p "require('./package.json').packageManager.split('@')[1].split('+')[0]")
if [ "$(pnpm --version 2>/dev/null || true)" != "$pnpm_version" ]; then
  echo "setup: installing pnpm $pnpm_version"
  npm install --global --silent "pnpm@$pnpm_version" || {
    echo "setup: could not install pnpm globally; run: sudo npm install -g pnpm@$pnpm_version" >&2
    exit 1
  }
fi

# musl-gcc builds the musl prebuilds beside the glibc ones (scripts/build-native.mjs).
if [ "$(id -u)" = 0 ] && ! command -v musl-gcc >/dev/null && command -v apt-get >/dev/null; then
  echo "setup: installing musl-tools"
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends musl-tools; } >/dev/null
fi

export TURBO_TELEMETRY_DISABLED=1
pnpm install --frozen-lockfile --reporter=append-only | grep -vE '^(Progress|Packages):' || true
test "${PIPESTATUS[0]}" -eq 0
pnpm run build --output-logs=errors-only

# The PKU guest emulates an x86-64 CPU; it serves x86-64 hosts whose CPU lacks PKU.
if ! { grep -qw pku /proc/cpuinfo && grep -qw ospke /proc/cpuinfo; } && [ "$(uname -m)" = x86_64 ]; then
  bash tools/pku-guest/setup.sh
fi
