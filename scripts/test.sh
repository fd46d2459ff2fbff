#!/usr/bin/env bash
# The whole test suite: build, host tests, the hardware tests (natively on a
# CPU with PKU, otherwise in the QEMU guest), then the totals. Every lane runs
# even when an earlier one failed, so one run shows everything; the exit status
# is non-zero if any lane failed.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
export TURBO_TELEMETRY_DISABLED=1

bash scripts/setup.sh || { echo "test: setup failed" >&2; exit 1; }

reports="$root/.cache/test-reports"
rm -rf "$reports" && mkdir -p "$reports"
export MPK_TEST_REPORT_DIR="$reports"
failed=()

has_pku() { grep -qw pku /proc/cpuinfo && grep -qw ospke /proc/cpuinfo; }

echo
echo "== host tests"
MPK_TEST_LANE=host pnpm exec turbo run test --output-logs=full || failed+=(host)

echo
echo "== hardware tests (need PKU enforcement)"
pku_files=$(cd packages && ls -1 */test/*.pku.test.ts */test/**/*.pku.test.ts 2>/dev/null | sort -u)
if has_pku; then
  echo "this CPU has pku and ospke: running them here"
  MPK_TEST_LANE=pku pnpm exec vitest run || failed+=(pku-native)
elif [ "$(uname -m)" != x86_64 ]; then
  # x86 protection keys do not exist on this architecture and the guest emulates x86-64 only;
  # the x86-64 jobs run these tests. The summary reports the lane as skipped, not passed.
  echo "not run: this is $(uname -m), which has no x86 PKU, and the PKU guest needs an x86-64 host"
  echo "$(uname -m)" > "$reports/pku-skipped"
else
  echo "not run on this host (its CPU lacks pku/ospke):"
  printf '  %s\n' $pku_files
  echo "running them in the PKU guest instead"
  bash tools/pku-guest/run.sh --cwd "$root" -- env MPK_TEST_LANE=pku node_modules/.bin/vitest run || failed+=(pku-guest)
fi

for extra in scripts/test-*.sh; do
  [ -e "$extra" ] || continue
  echo
  echo "== $(basename "$extra" .sh)"
  bash "$extra" || failed+=("$(basename "$extra" .sh)")
done

echo
node scripts/test-summary.mjs "$reports" || failed+=(summary)
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed lanes: ${failed[*]}"
  exit 1
fi
