// Entry points: a scenario file (or its text) → resolved `Scenario`. Every failure, from a
// missing file to an SLA whose budget exceeds its period, surfaces as one InputError.

import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import type { MachineFlags } from './machine.js';
import { overrideHosts, withFileAssumptions, type KernelModels } from './machine-flags.js';
import { normalizeScenario, type NormalizeOptions } from './normalize.js';
import { formatOfFile, parseSource, type SourceFormat } from './source.js';
import type { Scenario } from './types.js';

export interface LoadOptions extends NormalizeOptions {
  /** Override the format otherwise inferred from the file extension. */
  format?: SourceFormat;
  /** `--cpus`, `--hz`, `--kernel`, `--work-scale`: override what the file says (src/scenario/machine-flags.ts). */
  machine?: MachineFlags;
  /** Which models take a `kernel` parameter, for the kernel assumption. */
  kernelModels?: KernelModels;
}

const FORMAT_EXPECTED = 'a scenario file ending in .json, .yaml or .yml';

/** Read, parse, validate and resolve a scenario file (`.json`, `.yaml`, `.yml`). */
export function loadScenario(file: string, opts: LoadOptions = {}): Scenario {
  const format = opts.format ?? formatOfFile(file);
  if (!format) throw new InputError({ file, pointer: '', expected: FORMAT_EXPECTED, found: JSON.stringify(file) });
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const found = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a directory' : String((error as Error).message);
    throw new InputError({ file, pointer: '', expected: 'a readable scenario file', found });
  }
  return parseScenarioText(text, file, { ...opts, format });
}

/** Parse scenario text; `file` names it in messages and, unless `opts.format`, picks the syntax. */
export function parseScenarioText(text: string, file: string, opts: LoadOptions = {}): Scenario {
  const format = opts.format ?? formatOfFile(file);
  if (!format) throw new InputError({ file, pointer: '', expected: FORMAT_EXPECTED, found: JSON.stringify(file) });
  // Editors on Windows may save a byte-order mark, which JSON.parse rejects.
  const source = parseSource(text.replace(/^\uFEFF/, ''), file, format);
  const flags = opts.machine ?? {};
  const data = overrideHosts(source.data, flags);
  try {
    return withFileAssumptions(normalizeScenario(data, file, opts), flags, opts.kernelModels);
  } catch (error) {
    // Errors found after parsing know the pointer; the source knows which line that is.
    if (error instanceof InputError && error.line === undefined && error.file === file) {
      const line = source.lineOf(error.pointer);
      const hint = error.hint ?? overrideHint(flags);
      if (line !== undefined || hint !== undefined) throw new InputError({ ...error.toJSON(), line, hint });
    }
    throw error;
  }
}

/** An error in a scenario whose hosts the flags changed may be the flags' doing: say so. */
function overrideHint(flags: MachineFlags): string | undefined {
  const given = [flags.cpus !== undefined ? `--cpus ${flags.cpus}` : '', flags.hz !== undefined ? `--hz ${flags.hz}` : ''].filter((f) => f !== '');
  return given.length > 0 ? `the command line set every host's ${given.join(' and ')}` : undefined;
}
