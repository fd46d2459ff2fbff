#!/usr/bin/env node
/**
 * Adds up the JSON reports vitest wrote for each lane (host, pku) and prints
 * them, ending with the plain closing line `tests: N passed, N failed`. A lane
 * that wrote no report is named, so a lane that silently ran nothing shows.
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
console.log(`tests: ${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed === 0 && totals.passed > 0 ? 0 : 1);
