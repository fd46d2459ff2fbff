#!/usr/bin/env node
/**
 * Adds up the JSON reports vitest wrote for each lane (host, pku) and prints
 * them, ending with the plain closing line `tests: N passed, N failed`. A lane
 * that wrote no report is named, so a lane that silently ran nothing shows.
 *
 * Before that closing line come the reliability suites' numbers (issue 9),
 * from the JSON lines they append when MPK_TEST_REPORT_DIR is set
 * (test-support/reliability.ts): the fuzzed calls, on the host and in the
 * guest (`fuzz: N calls (host N, guest N)`), then the matrix, soak and switch
 * lines as the suites printed them.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const totals = { passed: 0, failed: 0, skipped: 0 };
const lanes = new Map();
for (const file of readdirSync(dir).filter((name) => name.endsWith('.json')).sort()) {
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const lane = file.split('-')[0];
  const counts = lanes.get(lane) ?? { passed: 0, failed: 0, skipped: 0, files: 0 };
  counts.passed += report.numPassedTests;
  counts.failed += report.numFailedTests + (report.numFailedTestSuites ?? 0);
  counts.skipped += report.numPendingTests + report.numTodoTests;
  counts.files += report.testResults.length;
  lanes.set(lane, counts);
}
for (const lane of ['host', 'pku', 'all']) {
  const counts = lanes.get(lane);
  if (!counts) continue;
  console.log(`${lane.padEnd(5)} ${counts.files} files: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
}
if (!lanes.has('pku') && !lanes.has('all')) {
  if (existsSync(join(dir, 'pku-skipped'))) {
    // Only on a non-x86 host, where x86 protection keys cannot exist (scripts/test.sh says so).
    console.log(`pku   skipped: ${readFileSync(join(dir, 'pku-skipped'), 'utf8').trim()} has no x86 PKU; the x86-64 jobs run these`);
  } else {
    console.log('pku   no report: the hardware tests did not run');
    totals.failed += 1;
  }
}
printReliability(dir);
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed === 0 && totals.passed > 0 ? 0 : 1);

function jsonLines(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      try {
        return [JSON.parse(line)];
      } catch {
        return [];
      }
    });
}

function printReliability(reportDir) {
  const fuzz = jsonLines(join(reportDir, 'fuzz-counts.jsonl'));
  if (fuzz.length > 0) {
    const by = { host: 0, guest: 0, pku: 0 };
    for (const { calls, where } of fuzz) by[where in by ? where : 'host'] += Number(calls) || 0;
    const parts = [`host ${by.host}`, `guest ${by.guest}`];
    if (by.pku > 0) parts.push(`PKU hardware ${by.pku}`);
    console.log(`fuzz: ${by.host + by.guest + by.pku} calls (${parts.join(', ')}) in ${fuzz.length} suites`);
  }
  for (const { line } of jsonLines(join(reportDir, 'reliability.jsonl'))) {
    if (typeof line === 'string') console.log(line);
  }
}
