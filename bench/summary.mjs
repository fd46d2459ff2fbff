#!/usr/bin/env node
// Prints several benchmark results side by side (scripts/bench.sh: host and guest).
//
//   node bench/summary.mjs [--markdown] RESULT.json...
import { readFileSync } from 'node:fs';
import { renderComparison, renderMarkdown } from './report.mjs';

const argv = process.argv.slice(2);
const markdown = argv.includes('--markdown');
const files = argv.filter((a) => a !== '--markdown');
if (files.length === 0) {
  console.error('usage: node bench/summary.mjs [--markdown] RESULT.json...');
  process.exit(2);
}
const results = files.map((file) => JSON.parse(readFileSync(file, 'utf8')));
console.log(markdown ? renderMarkdown(results) : renderComparison(results));
