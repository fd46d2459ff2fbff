#!/usr/bin/env node
/**
 * The `mpk` command: `mpk doctor` (can protection keys be used here?) and
 * `mpk demo` (tenants isolated by keys, and what a switch costs).
 *
 * Exit status: 0 success (doctor: usable), 1 failure (doctor: not usable),
 * 2 usage error.
 */
import { createRequire } from 'node:module';
import { parseCommandLine, UsageError, USAGE, type Command } from './args.js';
import { censusChild } from './key-census.js';
import { demo } from './demo.js';
import { examine } from './doctor.js';
import { renderDoctor } from './doctor-text.js';
import { enforcementChild } from './enforcement-probe.js';
import { tenantChild } from './demo-tenant.js';

const out = (text: string) => process.stdout.write(`${text}\n`);
const err = (text: string) => process.stderr.write(`${text}\n`);

function version(): string {
  try {
    return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

async function run(command: Command): Promise<number> {
  switch (command.command) {
    case 'help':
      out(USAGE.trimEnd());
      return 0;
    case 'version':
      out(version());
      return 0;
    case 'doctor': {
      const report = await examine();
      out(command.json ? JSON.stringify(report, null, 2) : renderDoctor(report));
      return report.exitCode;
    }
    case 'demo':
      return demo(command, out, err);
    case 'child':
      if (command.kind === 'tenant') tenantChild(command);
      else if (command.kind === 'census') censusChild();
      else enforcementChild();
      return 0;
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let command: Command;
  try {
    command = parseCommandLine(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`mpk: ${error.message}\n`);
    err(USAGE.trimEnd());
    return 2;
  }
  return run(command);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    err(`mpk: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 1;
  },
);
