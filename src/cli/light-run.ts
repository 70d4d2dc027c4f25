// Start-up (issue 14): yargs and its helpers (string-width, cliui, y18n) take longer to load than
// a short simulation takes to run. A plain `hvsim run <file> [flags]` — the command scripts and
// regression loops call most — is read here without them. Only argument lists this reader fully
// understands take the light path; anything else (--help, an unknown or repeated flag, a value
// that looks like a flag, --no-…, `--`, numbers yargs would read in another base) goes to yargs,
// which accepts or refuses it exactly as before. So the flags and the errors are yargs' own.

import type { RunArgs } from './run-command.js';

type Kind = 'string' | 'number' | 'boolean';

/** `run`'s flags as yargs knows them (yargs-cli.ts, machine-flags.ts), by the key yargs stores them under. */
const RUN_FLAGS: Record<string, { key: string; kind: Kind }> = {
  '--model': { key: 'model', kind: 'string' },
  '-m': { key: 'model', kind: 'string' },
  '--seed': { key: 'seed', kind: 'string' },
  '--max-wall': { key: 'maxWall', kind: 'string' },
  '--out': { key: 'out', kind: 'string' },
  '--json': { key: 'json', kind: 'boolean' },
  '--rtapp-logs': { key: 'rtappLogs', kind: 'string' },
  '--trace': { key: 'trace', kind: 'string' },
  '--debug': { key: 'debug', kind: 'boolean' },
  '--cpus': { key: 'cpus', kind: 'number' },
  '--kernel': { key: 'kernel', kind: 'string' },
  '--hz': { key: 'hz', kind: 'number' },
  '--work-scale': { key: 'work-scale', kind: 'number' },
  '--ns-per-loop': { key: 'ns-per-loop', kind: 'number' },
  '--overheads': { key: 'overheads', kind: 'string' },
};

/** Plain decimal numbers only: yargs reads these as Number() does; hex, exponents, signs go to yargs. */
const PLAIN_NUMBER = /^\d{1,15}(\.\d{1,15})?$/;

/** The arguments of a plain `run` invocation, or undefined: let yargs read them. */
export function lightRunArgs(argv: string[]): RunArgs | undefined {
  if (argv[0] !== 'run') return undefined;
  const values: Record<string, string | number | boolean> = {};
  const positionals: string[] = [];
  for (let i = 1; i < argv.length; i++) {
    const token = argv[i];
    if (!token.startsWith('-')) {
      // yargs reads "true"/"false" after a boolean flag as its value: leave such lists to it.
      // A number-like positional is left to yargs too (it parses positional numbers its own way).
      if (token === 'true' || token === 'false' || token.trim() === '' || !Number.isNaN(Number(token))) return undefined;
      positionals.push(token);
      continue;
    }
    const eq = token.indexOf('=');
    const name = eq > 0 && token.startsWith('--') ? token.slice(0, eq) : token;
    const flag = Object.hasOwn(RUN_FLAGS, name) ? RUN_FLAGS[name] : undefined;
    if (!flag || Object.hasOwn(values, flag.key)) return undefined; // unknown, or given twice: yargs says so
    if (flag.kind === 'boolean') {
      if (eq > 0) return undefined;
      values[flag.key] = true;
      continue;
    }
    const text = eq > 0 ? token.slice(eq + 1) : argv[++i];
    if (text === undefined || text === '' || text.startsWith('-')) return undefined;
    if (flag.kind === 'number') {
      if (!PLAIN_NUMBER.test(text)) return undefined;
      values[flag.key] = Number(text);
    } else values[flag.key] = text;
  }
  if (positionals.length !== 1) return undefined;
  return { ...values, scenario: positionals[0] } as RunArgs;
}
