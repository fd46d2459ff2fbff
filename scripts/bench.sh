#!/usr/bin/env bash
# The benchmark of issue 7 (`pnpm bench`): what a PKRU switch costs against an
# empty Node-API call and against mprotect, and what a striped pool costs
# against the bare syscalls.
#
# Usage: bash scripts/bench.sh [--host-only | --guest-only] [run.mjs options...]
#
# 1. builds the packages if needed (turbo replays its cache when nothing changed);
# 2. runs bench/run.mjs on this host: where the CPU lacks PKU/OSPKE its PKRU rows
#    are skipped with the reason;
# 3. where the host lacks PKU, runs the same benchmark in the QEMU guest
#    (tools/pku-guest), labelled "emulated (QEMU TCG): ratios only, distorted";
# 4. prints host and guest side by side. JSON results land in bench/results/.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export TURBO_TELEMETRY_DISABLED=1

mode=both
passthrough=()
for arg in "$@"; do
  case "$arg" in
    --host-only) mode=host ;;
    --guest-only) mode=guest ;;
    *) passthrough+=("$arg") ;;
  esac
done

has_pku() { grep -qw pku /proc/cpuinfo && grep -qw ospke /proc/cpuinfo; }

if [ ! -e node_modules/mitata/package.json ]; then
  echo "bench: installing dependencies"
  pnpm install --frozen-lockfile --reporter=append-only | grep -vE '^(Progress|Packages):' || true
  test "${PIPESTATUS[0]}" -eq 0
fi
echo "bench: building (cached when nothing changed)"
pnpm run build --output-logs=errors-only

records=$(mktemp -d "${TMPDIR:-/tmp}/mpk-bench.XXXXXX")
trap 'rm -rf "$records"' EXIT
failed=0
ran=()

if [ "$mode" != guest ]; then
  echo
  echo "== host: $(has_pku && echo 'PKU hardware' || echo 'no PKU on this CPU, PKRU rows skipped')"
  if node --expose-gc bench/run.mjs --record "$records/host" ${passthrough[@]+"${passthrough[@]}"}; then
    ran+=("$records/host")
  else
    echo "bench: the host run failed" >&2
    failed=1
  fi
fi

if [ "$mode" = guest ] || { [ "$mode" = both ] && ! has_pku; }; then
  echo
  echo "== emulated guest (QEMU TCG): ratios only, distorted"
  # The guest shares the repository at the same path, so the record file must
  # live inside it; MPK_IN_GUEST=1 (set by run.sh) shortens the timing per row.
  guest_record=$root/bench/results/.guest-record
  mkdir -p "$root/bench/results" && rm -f "$guest_record"
  if bash tools/pku-guest/run.sh --cwd "$root" --timeout 600 -- \
    node --expose-gc bench/run.mjs --record "$guest_record" ${passthrough[@]+"${passthrough[@]}"}; then
    mv "$guest_record" "$records/guest"
    ran+=("$records/guest")
  else
    echo "bench: the guest run failed" >&2
    failed=1
  fi
fi

if [ ${#ran[@]} -gt 1 ]; then
  echo
  echo "== side by side"
  node bench/summary.mjs $(cat "${ran[@]}")
fi
exit "$failed"
