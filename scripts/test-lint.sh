#!/usr/bin/env bash
# Package and workflow hygiene, as CI checks it: each package's `lint` turbo
# task (publint --strict and arethetypeswrong on the packed tarball: every
# resolution mode finds the right types for the ESM+CJS build), then the
# workflow linter (actionlint plus this repo's rules, scripts/lint-workflows.mjs).
#
# Usage: bash scripts/test-lint.sh   (last line: lint: N passed, N failed)
set -uo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1

passed=0
failed=0
# One turbo run (it builds first, and may come from its cache); --summarize
# leaves a JSON record of each task, read below to count packages.
before=$(ls .turbo/runs 2>/dev/null | wc -l)
out=$(pnpm exec turbo run lint --continue --summarize --output-logs=errors-only 2>&1)
summary=$(ls -t .turbo/runs/*.json 2>/dev/null | head -n 1)
if [ -z "$summary" ] || [ "$(ls .turbo/runs | wc -l)" -le "$before" ]; then
  failed=$((failed + 1))
  echo "  FAIL  turbo run lint left no summary"
  printf '%s\n' "$out" | tail -n 40 | sed 's/^/        /'
else
  while read -r status task; do
    if [ "$status" = ok ]; then
      passed=$((passed + 1))
      echo "  ok    $task"
    else
      failed=$((failed + 1))
      echo "  FAIL  $task"
      printf '%s\n' "$out" | grep -F "${task%#*}:" | grep -vE ':\s*$' | tail -n 40 | sed 's/^/        /'
    fi
  done < <(node -e '
    const summary = require(require("node:path").resolve(process.argv[1]));
    for (const task of summary.tasks) {
      if (!task.taskId.endsWith("#lint") && task.execution?.exitCode === 0) continue;
      console.log(task.execution?.exitCode === 0 ? "ok" : "fail", task.taskId);
    }' "$summary")
fi

if out=$(node scripts/lint-workflows.mjs 2>&1); then
  passed=$((passed + 1))
  echo "  ok    workflows: $(printf '%s\n' "$out" | sed -n 's/^ok   //p' | tr '\n' ' ')"
else
  failed=$((failed + 1))
  echo "  FAIL  workflows"
  printf '%s\n' "$out" | sed 's/^/        /'
fi

echo "lint: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
