// Entry points: a scenario file (or its text) → resolved `Scenario`. Every failure, from a
// missing file to an SLA whose budget exceeds its period, surfaces as one InputError.

import { closeSync, fstatSync, openSync, readSync, constants } from 'node:fs';
import { InputError } from '../errors.js';
import type { MachineFlags } from './machine.js';
import { overrideHosts, withFileAssumptions, type KernelModels } from './machine-flags.js';
import { normalizeScenario, type NormalizeOptions } from './normalize.js';
import { formatOfFile, parseSource, type SourceFormat } from './source.js';
import type { Scenario } from './types.js';

export interface LoadOptions extends NormalizeOptions {
  /** Override the format otherwise inferred from the file extension. */
  format?: SourceFormat;
  /** `--cpus`, `--hz`, `--kernel`, `--work-scale`, `--overheads`: override what the file says (src/scenario/machine-flags.ts). */
  machine?: MachineFlags;
  /** Which models take a `kernel` parameter, for the kernel assumption. */
  kernelModels?: KernelModels;
}

const FORMAT_EXPECTED = 'a scenario file ending in .json, .yaml or .yml';

/** Read, parse, validate and resolve a scenario file (`.json`, `.yaml`, `.yml`). */
export function loadScenario(file: string, opts: LoadOptions = {}): Scenario {
  const format = opts.format ?? formatOfFile(file);
  if (!format) throw new InputError({ file, pointer: '', expected: FORMAT_EXPECTED, found: JSON.stringify(file) });
  return parseScenarioText(readInputText(file, 'a readable scenario file'), file, { ...opts, format });
}

/** Largest input file read (scenario, rt-app): far above any real one, far below exhausting memory. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/**
 * The text of an input file — only a regular file of at most MAX_INPUT_BYTES: a FIFO would block
 * forever and a link to /dev/zero read until memory runs out (issue 15, item 4). Opened without
 * blocking, checked with fstat on the open descriptor (no race between the check and the read).
 */
export function readInputText(file: string, expected: string): string {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const found = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'not readable (permission denied)' : code === 'ELOOP' ? 'a symbolic link loop' : String(code ?? (error as Error).message);
    throw new InputError({ file, pointer: '', expected, found });
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) {
      const kind = stat.isDirectory() ? 'a directory' : stat.isFIFO() ? 'a named pipe (FIFO)' : stat.isCharacterDevice() || stat.isBlockDevice() ? 'a device' : stat.isSocket() ? 'a socket' : 'not a regular file';
      throw new InputError({ file, pointer: '', expected: `${expected} (a regular file)`, found: kind });
    }
    if (stat.size > MAX_INPUT_BYTES) throw new InputError({ file, pointer: '', expected: `${expected} of at most ${MAX_INPUT_BYTES / 1024 / 1024} MiB`, found: `${stat.size} bytes` });
    const buffer = Buffer.alloc(stat.size);
    let read = 0;
    while (read < stat.size) {
      const n = readSync(fd, buffer, read, stat.size - read, read);
      if (n === 0) break;
      read += n;
    }
    return buffer.subarray(0, read).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Each loaded file's pointer → line map, for errors found later (a model's limits, admission). */
const sourceLines = new Map<string, (pointer: string) => number | undefined>();

/** `error` with the line of its pointer added, when its file was loaded here and the line is known. */
export function withLine(error: InputError): InputError {
  if (error.line !== undefined) return error;
  const line = sourceLines.get(error.file)?.(error.pointer);
  return line === undefined ? error : new InputError({ ...error.toJSON(), line });
}

/** Parse scenario text; `file` names it in messages and, unless `opts.format`, picks the syntax. */
export function parseScenarioText(text: string, file: string, opts: LoadOptions = {}): Scenario {
  return scenarioFromData(parseScenarioData(text, file, opts.format), file, opts);
}

/**
 * Scenario text as plain data, not yet resolved (`hvsim sweep` edits it by JSON pointer first). The
 * file's pointer → line map is kept, so errors found later name lines of this text.
 */
export function parseScenarioData(text: string, file: string, givenFormat?: SourceFormat): unknown {
  const format = givenFormat ?? formatOfFile(file);
  if (!format) throw new InputError({ file, pointer: '', expected: FORMAT_EXPECTED, found: JSON.stringify(file) });
  // Editors on Windows may save a byte-order mark, which JSON.parse rejects.
  const source = parseSource(text.replace(/^\uFEFF/, ''), file, format);
  sourceLines.set(file, source.lineOf);
  return source.data;
}

/** Resolve parsed scenario data (parseScenarioData) with the machine flags of `opts`. */
export function scenarioFromData(parsed: unknown, file: string, opts: LoadOptions = {}): Scenario {
  const flags = opts.machine ?? {};
  const data = overrideHosts(parsed, flags);
  try {
    return withFileAssumptions(normalizeScenario(data, file, opts), flags, opts.kernelModels, parsed);
  } catch (error) {
    // Errors found after parsing know the pointer; the source knows which line that is.
    if (error instanceof InputError && error.line === undefined && error.file === file) {
      const line = sourceLines.get(file)?.(error.pointer);
      const hint = error.hint ?? overrideHint(flags);
      if (line !== undefined || hint !== undefined) throw new InputError({ ...error.toJSON(), line, hint });
    }
    throw error;
  }
}

/** An error in a scenario whose hosts the flags changed may be the flags' doing: say so. */
function overrideHint(flags: MachineFlags): string | undefined {
  const given = [flags.cpus !== undefined ? `--cpus ${flags.cpus}` : '', flags.hz !== undefined ? `--hz ${flags.hz}` : '', flags.overheads !== undefined ? `--overheads ${flags.overheads}` : ''].filter((f) => f !== '');
  return given.length > 0 ? `the command line set every host's ${given.join(' and ')}` : undefined;
}
