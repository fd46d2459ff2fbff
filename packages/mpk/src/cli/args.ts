import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CHILD_COMMAND } from './child.js';

/**
 * The command line, parsed strictly: an unknown command or flag is a usage
 * error (exit status 2), never silently ignored.
 */
export type Command =
  | { command: 'help' }
  | { command: 'version' }
  | { command: 'doctor'; json: boolean }
  | { command: 'demo'; tenants: number; brokenMask: boolean }
  | { command: 'child'; kind: 'census' | 'enforcement' }
  | { command: 'child'; kind: 'tenant'; tenants: number; tenant: number; target: number; brokenMask: boolean };

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const DEFAULT_TENANTS = 8;
export const MAX_TENANTS = 4096;

export const USAGE = `Usage: mpk <command> [options]

Memory protection keys (Intel/AMD PKU) for Node.js: can they be used here,
and what do they do?

Commands:
  doctor            Whether protection keys work here and why (or why not):
                    CPU bits, kernel, free keys, PKRU, a live enforcement check.
                    Exit status 0 when usable, 1 when not.
    --json          Print one JSON object instead of text.
  demo              Tenants in a striped pool, each with access to its own slot
                    only: reads across slots are stopped by the CPU. Then the
                    same switch done with mprotect, timed side by side.
    --tenants N     How many tenants (slots), default ${DEFAULT_TENANTS}.
  help              This text (also: mpk --help, mpk <command> --help).

Options:
  -h, --help        Show this text.
  --version         Print mpk's version.
`;

function integer(name: string, text: string | undefined, min: number, max: number): number {
  if (text === undefined || !/^\d+$/.test(text)) throw new UsageError(`${name} wants a whole number, got ${JSON.stringify(text ?? '')}`);
  const value = Number(text);
  if (value < min || value > max) throw new UsageError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

const HELP = { help: { type: 'boolean', short: 'h' } } as const;

/** parseArgs with no positionals and no unknown flags; its complaints become usage errors. */
function strict<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export function parseCommandLine(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  switch (first) {
    case undefined:
      throw new UsageError('no command given');
    case 'help':
    case '-h':
    case '--help':
      return { command: 'help' };
    case '--version':
      return { command: 'version' };
    case 'doctor': {
      const { values } = strict(rest, { ...HELP, json: { type: 'boolean' } });
      return values.help ? { command: 'help' } : { command: 'doctor', json: values.json === true };
    }
    case 'demo': {
      const { values } = strict(rest, { ...HELP, tenants: { type: 'string' }, 'broken-mask': { type: 'boolean' } });
      if (values.help) return { command: 'help' };
      const tenants = values.tenants === undefined ? DEFAULT_TENANTS : integer('--tenants', values.tenants, 1, MAX_TENANTS);
      return { command: 'demo', tenants, brokenMask: values['broken-mask'] === true };
    }
    case CHILD_COMMAND:
      return parseChild(rest);
    default:
      throw new UsageError(`unknown command ${JSON.stringify(first)}`);
  }
}

/** The hidden commands the CLI starts itself with (see ./child.ts). */
function parseChild(argv: string[]): Command {
  const [kind, ...rest] = argv;
  if (kind === 'census' || kind === 'enforcement') {
    strict(rest, {});
    return { command: 'child', kind };
  }
  if (kind === 'tenant') {
    const { values } = strict(rest, {
      ...HELP,
      tenants: { type: 'string' },
      tenant: { type: 'string' },
      target: { type: 'string' },
      'broken-mask': { type: 'boolean' },
    });
    const tenants = integer('--tenants', values.tenants, 1, MAX_TENANTS);
    return {
      command: 'child',
      kind,
      tenants,
      tenant: integer('--tenant', values.tenant, 0, tenants - 1),
      target: integer('--target', values.target, 0, tenants - 1),
      brokenMask: values['broken-mask'] === true,
    };
  }
  throw new UsageError(`unknown child kind ${JSON.stringify(kind ?? '')}`);
}
