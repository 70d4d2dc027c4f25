// The machine flags every command that loads a scenario takes: --cpus, --kernel, --hz,
// --work-scale and --overheads override what the file (or, for an rt-app file, this machine) says;
// --ns-per-loop gives the machine's rt-app loop cost. Each is checked here, with one pointed message.

import type { Argv } from 'yargs';
import { InputError, describeValue } from '../errors.js';
import type { ExperimentFlags } from '../experiments/load.js';
import { parseKernelVersion } from '../../models/kvm/kernel.js';
import { OVERHEADS_NAMES } from '../scenario/overheads.js';
import { didYouMean } from '../scenario/suggest.js';

const FLAGS = '<command line>';

export interface MachineArgs {
  cpus?: number;
  kernel?: string;
  hz?: number;
  'work-scale'?: number;
  'ns-per-loop'?: number;
  overheads?: string;
}

/** `--overheads` alone (report takes it without the other machine flags). */
export function overheadsOption<T>(y: Argv<T>): Argv<T & Pick<MachineArgs, 'overheads'>> {
  return y.option('overheads', {
    type: 'string',
    describe: `timer interrupt, wake-up, context switch and VM exit costs of every host: ${OVERHEADS_NAMES.join(', ')} (default: the file's; none where it says nothing). The profiles are measured machines (README "Overheads")`,
  }) as Argv<T & Pick<MachineArgs, 'overheads'>>;
}

/** The flags' definitions (yargs), shared by validate, run, compare, trace, isolation, sweep, advise and import. */
export function machineOptions<T>(y: Argv<T>): Argv<T & MachineArgs> {
  return overheadsOption(y)
    .option('cpus', { type: 'number', describe: 'CPUs of every host (default: the file\'s; rt-app files: this machine\'s)' })
    .option('kernel', { type: 'string', describe: 'Linux version for kvm-linux, kvm-linux-cfs and kvm-deadline, e.g. 5.10 (default: the file\'s; rt-app files: this machine\'s)' })
    .option('hz', { type: 'number', describe: 'scheduler tick as CONFIG_HZ, e.g. 250 for a 4 ms tick (default: the file\'s tick; rt-app files: this machine\'s CONFIG_HZ)' })
    .option('work-scale', { type: 'number', describe: 'multiply every execution demand, e.g. 2 on a machine half as fast as the one the demands were measured on (default 1)' })
    .option('ns-per-loop', { type: 'number', describe: 'rt-app files: ns per calibration loop on the machine modelled; with a numeric global.calibration, run work × ns-per-loop / calibration' }) as Argv<T & MachineArgs>;
}

/** The checked flag values. */
export function machineFlagsOf(args: MachineArgs): ExperimentFlags {
  const flags: ExperimentFlags = {};
  if (args.cpus !== undefined) flags.cpus = wholeNumber(args.cpus, '/cpus', 'a whole number of CPUs from 1 to 256 (the scenario schema\'s limit)', 1, 256);
  if (args.hz !== undefined) flags.hz = wholeNumber(args.hz, '/hz', 'ticks per second (CONFIG_HZ) from 10 to 10000, e.g. 100, 250, 300 or 1000', 10, 10_000);
  if (args.kernel !== undefined) {
    if (typeof args.kernel !== 'string') bad('/kernel', 'one Linux version', args.kernel);
    parseKernelVersion(args.kernel, FLAGS, '/kernel');
    flags.kernel = args.kernel;
  }
  const scale = args['work-scale'];
  if (scale !== undefined) flags.workScale = positive(scale, '/work-scale', 'a factor > 0 and at most 1000, e.g. 1.5', 1000);
  if (args.overheads !== undefined) {
    const name = args.overheads as unknown;
    if (typeof name !== 'string' || !OVERHEADS_NAMES.includes(name)) {
      const hint = typeof name === 'string' ? didYouMean(name, OVERHEADS_NAMES) : undefined;
      throw new InputError({ file: FLAGS, pointer: '/overheads', expected: `--overheads: one of ${OVERHEADS_NAMES.join(', ')}`, found: Array.isArray(name) ? `${name.length} values (the flag given more than once)` : describeValue(name), hint });
    }
    flags.overheads = name;
  }
  const loop = args['ns-per-loop'];
  if (loop !== undefined) flags.nsPerLoop = positive(loop, '/ns-per-loop', 'ns per loop > 0, e.g. 8', 1e9);
  return flags;
}

function wholeNumber(v: unknown, pointer: string, expected: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(pointer, expected, v);
  return v as number;
}

function positive(v: unknown, pointer: string, expected: string, max: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > max) bad(pointer, expected, v);
  return v as number;
}

function bad(pointer: string, expected: string, found: unknown): never {
  // yargs turns a number flag it cannot read into NaN: say so rather than "NaN".
  const shown = typeof found === 'number' && Number.isNaN(found) ? 'something that is not a number' : Array.isArray(found) ? `${found.length} values (the flag given more than once)` : describeValue(found);
  throw new InputError({ file: FLAGS, pointer, expected: `--${pointer.slice(1)}: ${expected}`, found: shown });
}
