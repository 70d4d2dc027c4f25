// One way in for every command that takes a scenario (validate, run, compare, trace, isolation,
// report): an hvsim scenario file (JSON/YAML) or an rt-app JSON workload, with the machine flags
// (--cpus, --kernel, --hz, --work-scale) applied the same way whatever the command. The scenario
// comes back with `assumptions`: what was taken for the machine and from where.

import { InputError } from '../errors.js';
import { modelNames } from '../../models/index.js';
import { DEFAULT_KERNEL } from '../../models/kvm/kernel.js';
import { looksLikeRtapp } from '../rtapp/grammar.js';
import { importRtappFile, STOCK_LINUX_MODELS, type RtappImport } from '../rtapp/import.js';
import { loadScenario, readInputText } from '../scenario/load.js';
import type { MachineFlags, MachineProbe } from '../scenario/machine.js';
import type { Scenario } from '../scenario/types.js';

/** The machine flags, and for rt-app files the machine's own ns per calibration loop (`--ns-per-loop`). */
export interface ExperimentFlags extends MachineFlags {
  nsPerLoop?: number;
  /** rt-app files: run length when global.duration is -1 (`--duration`). */
  durationNs?: number;
}

export interface ExperimentLoadOptions {
  /** Where an rt-app file's machine facts come from when no flag gives them; default this machine. */
  probe?: MachineProbe;
}

/** Load `file` (scenario or rt-app workload) for a command, the flags overriding what it says. */
export function loadExperiment(file: string, flags: ExperimentFlags = {}, options: ExperimentLoadOptions = {}): Scenario {
  if (isRtappFile(file)) return importRtappExperiment(file, flags, options).scenario;
  if (flags.nsPerLoop !== undefined) {
    throw new InputError({ file: '<command line>', pointer: '/ns-per-loop', expected: '--ns-per-loop with an rt-app file (it scales rt-app\'s calibration loops)', found: `the scenario file ${file}`, hint: 'use --work-scale to scale a scenario\'s demands' });
  }
  return loadScenario(file, { knownModels: modelNames(), machine: flags, kernelModels: { names: STOCK_LINUX_MODELS, defaultKernel: DEFAULT_KERNEL } });
}

/** An rt-app file under the flags (`hvsim import rtapp` and every command given one). */
export function importRtappExperiment(file: string, flags: ExperimentFlags = {}, options: ExperimentLoadOptions = {}): RtappImport {
  return importRtappFile(file, {
    cpus: flags.cpus,
    kernel: flags.kernel,
    hz: flags.hz,
    workScale: flags.workScale,
    machineNsPerLoop: flags.nsPerLoop,
    durationNs: flags.durationNs,
    probe: options.probe,
  });
}

/** A `.json` file holding a `tasks` object and no `hosts`: rt-app's format (peers-and-rt-app.md §5a). */
export function isRtappFile(file: string): boolean {
  if (!file.toLowerCase().endsWith('.json')) return false;
  try {
    // Read as every input is (a regular file of bounded size: a FIFO or /dev/zero is refused, not read).
    return looksLikeRtapp(JSON.parse(readInputText(file, 'a readable scenario or rt-app file')));
  } catch {
    return false; // unreadable or malformed: the scenario loader says why
  }
}
