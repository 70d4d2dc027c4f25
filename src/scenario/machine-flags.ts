// `--cpus`, `--hz`, `--kernel`, `--work-scale` and `--overheads` on a scenario file: the flags
// override what the file says about its machine, and the scenario records, per fact, whether the
// file or a flag gave it (src/scenario/machine.ts). Host overrides go into the raw data before
// validation, so every check (affinities within the CPUs, ticks > 0) sees the machine actually
// simulated. `--overheads` replaces each host's `overheads` and its older `contextSwitch` field.

import { hzOfTickNs, tickNsOfHz, type Assumption, type MachineAssumptions, type MachineFlags } from './machine.js';
import { overheadsNote } from './overheads.js';
import { scaleWork } from './scale.js';
import type { Scenario } from './types.js';

/** Models whose `kernel` parameter picks the Linux version, and its default (from the model registry). */
export interface KernelModels {
  names: readonly string[];
  defaultKernel: string;
}

/** Raw scenario data with every host's `cpus`, `tick` and `overheads` replaced by the flags' (a copy; the input is untouched). */
export function overrideHosts(data: unknown, flags: MachineFlags): unknown {
  if (flags.cpus === undefined && flags.hz === undefined && flags.overheads === undefined) return data;
  if (typeof data !== 'object' || data === null || !Array.isArray((data as { hosts?: unknown }).hosts)) return data; // the schema reports it
  const raw = data as { hosts: unknown[] };
  const hosts = raw.hosts.map((h) => {
    if (typeof h !== 'object' || h === null) return h;
    const { contextSwitch, ...rest } = h as { contextSwitch?: unknown };
    const host = flags.overheads !== undefined ? { ...rest, overheads: flags.overheads } : { ...rest, ...(contextSwitch !== undefined && { contextSwitch }) };
    return { ...host, ...(flags.cpus !== undefined ? { cpus: flags.cpus } : {}), ...(flags.hz !== undefined ? { tick: `${tickNsOfHz(flags.hz)}ns` } : {}) };
  });
  return { ...raw, hosts };
}

/**
 * The loaded scenario with its work scaled by `--work-scale` and its assumptions recorded; `raw` is
 * the file's data as parsed (the overheads' names are gone once normalised).
 */
export function withFileAssumptions(scenario: Scenario, flags: MachineFlags, kernelModels?: KernelModels, raw?: unknown): Scenario {
  const one = <T>(values: T[]): T | null => (values.every((v) => v === values[0]) && values.length > 0 ? values[0] : null);
  const tickNs = one(scenario.hosts.map((h) => h.tickNs));
  const assumptions: MachineAssumptions = {
    cpus:
      flags.cpus !== undefined
        ? { value: flags.cpus, source: 'flag', note: '--cpus, on every host' }
        : { value: one(scenario.hosts.map((h) => h.cpus)), source: 'file', note: 'hosts[].cpus' },
    kernel: kernelAssumption(scenario, flags, kernelModels),
    tick:
      flags.hz !== undefined
        ? { value: tickNsOfHz(flags.hz), hz: flags.hz, source: 'flag', note: `--hz ${flags.hz}, on every host` }
        : { value: tickNs, hz: tickNs === null ? null : hzOfTickNs(tickNs), source: 'file', note: 'hosts[].tick (1 ms where a host gives none)' },
    workScale:
      flags.workScale !== undefined
        ? { value: flags.workScale, source: 'flag', note: '--work-scale: every execution demand multiplied' }
        : { value: 1, source: 'default', note: 'demands as written' },
  };
  const overheads = overheadsAssumption(raw, flags);
  if (overheads !== undefined) assumptions.overheads = overheads;
  return { ...scaleWork(scenario, flags.workScale ?? 1), assumptions };
}

/** `--overheads`, else what the file's hosts state; undefined when neither says anything (none, by default). */
function overheadsAssumption(raw: unknown, flags: MachineFlags): Assumption<string> | undefined {
  if (flags.overheads !== undefined) {
    return { value: flags.overheads, source: 'flag', note: `--overheads, on every host (replacing the file's overheads and contextSwitch): ${overheadsNote(flags.overheads)}` };
  }
  const hosts = typeof raw === 'object' && raw !== null && Array.isArray((raw as { hosts?: unknown }).hosts) ? (raw as { hosts: unknown[] }).hosts : [];
  const stated = hosts.map((h) => (typeof h === 'object' && h !== null ? (h as { overheads?: unknown }).overheads : undefined));
  if (stated.every((o) => o === undefined)) return undefined;
  const names = stated.map((o) => (o === undefined ? 'none' : typeof o === 'string' ? o : 'custom'));
  const one = names.every((n) => n === names[0]) ? names[0] : null;
  const each = names.map((n, i) => `hosts[${i}] ${n === 'custom' ? 'custom (its overheads object)' : n}`);
  const note = one !== null && one !== 'custom' ? `hosts[].overheads: ${overheadsNote(one)}` : `hosts[].overheads: ${each.join(', ')}`;
  return { value: one, source: 'file', note };
}

function kernelAssumption(scenario: Scenario, flags: MachineFlags, km: KernelModels | undefined): MachineAssumptions['kernel'] {
  const names = km?.names.join(', ') ?? 'the stock-Linux models';
  if (flags.kernel !== undefined) return { value: flags.kernel, source: 'flag', note: `--kernel, for ${names}` };
  if (km === undefined) return { value: null, source: 'file', note: 'the models\' kernel parameters' };
  const listed = scenario.models.filter((m) => km.names.includes(m.name));
  const given = listed.filter((m) => m.params.kernel !== undefined);
  const kernels = [...new Set(listed.map((m) => String(m.params.kernel ?? km.defaultKernel)))];
  if (given.length === 0) return { value: km.defaultKernel, source: 'default', note: `the default of ${names}` };
  const each = listed.map((m) => `${m.name} ${String(m.params.kernel ?? km.defaultKernel)} (${m.params.kernel !== undefined ? `${m.pointer}/params/kernel` : 'its default'})`);
  return { value: kernels.length === 1 ? kernels[0] : null, source: 'file', note: each.join(', ') };
}
