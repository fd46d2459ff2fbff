#!/usr/bin/env bash
# The README's main job, after scripts/setup.sh: `mpk doctor` on this machine
# (can protection keys be used here, and if not, why not?), then `mpk demo`
# under real PKU enforcement: natively when this machine's CPU has pku and
# ospke, otherwise in the QEMU guest (tools/pku-guest), whose emulated CPU has
# them; there doctor runs first too, to show the verdict where keys work.
#
# Exit status 0 when all of that worked. On a host without PKU, doctor's
# "not usable" (exit status 1) is the expected answer, not a failure.
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
mpk=packages/mpk/dist/cli.js

if [ ! -f "$mpk" ]; then
  echo "main: $mpk is missing; build first: bash scripts/setup.sh" >&2
  exit 1
fi
has_pku() { grep -qw pku /proc/cpuinfo && grep -qw ospke /proc/cpuinfo; }

echo "== mpk doctor, on this machine"
node "$mpk" doctor
doctor=$?
echo
if [ "$doctor" -ne 0 ] && [ "$doctor" -ne 1 ]; then
  echo "main: mpk doctor failed (exit status $doctor)" >&2
  exit 1
fi

if [ "$doctor" -eq 0 ]; then
  echo "== mpk demo, on this machine's CPU"
  node "$mpk" demo || { echo "main: mpk demo failed (exit status $?)" >&2; exit 1; }
  exit 0
fi

if has_pku; then
  # The CPU has the bits, so "not usable" is a real problem here (keys all taken, a broken kernel, ...).
  echo "main: this CPU has pku and ospke, but mpk doctor says keys are not usable (see above)" >&2
  exit 1
fi
echo "(exit status 1 from doctor is the expected answer here: this machine's CPU lacks PKU)"
echo
echo "== mpk doctor and mpk demo in a QEMU guest with an emulated CPU (TCG), not this machine's CPU"
# One guest boot for both; every line the guest prints is its own.
bash tools/pku-guest/run.sh --cwd "$root" -- sh -c '
  echo "-- mpk doctor (in the guest)"
  node "$0" doctor || exit $?
  echo
  echo "-- mpk demo (in the guest)"
  node "$0" demo
' "$mpk"
guest=$?
if [ "$guest" -ne 0 ]; then
  echo "main: the run in the PKU guest failed (exit status $guest)" >&2
  exit 1
fi
