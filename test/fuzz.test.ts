// Fuzzing the command line with mutated scenarios (issue 15): whatever a careless or hostile file
// holds, the outcome is exit 0, 1 or 2 — never a stack trace, never a hang, never a file outside
// the folder the user named. A fixed seed keeps `npm test` reproducible; `npm run fuzz` runs
// thousands (HVSIM_FUZZ_RUNS, HVSIM_FUZZ_SEED).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hvsimInProcess as hvsim, listTree, STACK_FRAME } from './helpers/cli.js';

const RUNS = Number(process.env.HVSIM_FUZZ_RUNS ?? 300);
const SEED = Number(process.env.HVSIM_FUZZ_SEED ?? 20261207);

/** A scenario touching most of the schema: two VMUs, a host thread, models with parameters, expectations. */
const BASE = {
  name: 'fuzz',
  duration: '100ms',
  warmup: '10ms',
  seed: 7,
  hosts: [{ id: 'ph1', cpus: 2 }],
  vmus: [
    { id: 'a', host: 'ph1', vcpus: 1, sla: { budget: '2ms', period: '10ms' }, tasks: [{ id: 'ta', kind: 'periodic', period: '10ms', exec: '1ms' }] },
    { id: 'b', host: 'ph1', vcpus: 2, affinity: [0, 1], weight: 512, tasks: [{ id: 'tb', kind: 'periodic', period: '5ms', exec: { dist: 'uniform', min: '500us', max: '1ms' } }] },
  ],
  hostThreads: [{ id: 'h', host: 'ph1', kind: 'periodic', period: '20ms', exec: '1ms', policy: { class: 'fifo', priority: 50 } }],
  models: ['kvm-irmos', { name: 'kvm-linux', params: { kernel: '6.12', rtRuntime: '950ms' } }, { name: 'xen-credit', params: { tslice: '30ms', dom0Weight: 256 } }, 'xen-sedf', 'kvm-deadline'],
  expect: [{ model: 'kvm-irmos', task: 'ta', metric: 'missRatio', max: 0 }],
};

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Path = (string | number)[];

/** Every path into the value (the root excluded), in a stable order. */
function paths(value: Json, at: Path = []): Path[] {
  if (value === null || typeof value !== 'object') return [];
  const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return keys.flatMap((k) => [[...at, k], ...paths((value as Record<string, Json>)[k as string], [...at, k])]);
}

function parentOf(root: Json, path: Path): Record<string | number, Json> {
  let node = root as Record<string | number, Json>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, Json>;
  return node;
}

/** Values careless and hostile users write. */
const nasty = fc.oneof(
  fc.constantFrom<Json>('', '0s', '0ns', '1ns', '3us', '20s', '1e21ms', '10000000s', '-1ms', 'x/../../evil', '\u001b[2J\u0007', '__proto__', 'constructor', 'index.html', '.', '..', 'n'.repeat(300), -1, 0, 0.5, 1.5, 4294967296, 1e21, 100000, NaN as unknown as Json, null, true, [], {}, [[[[[[[[1]]]]]]]]),
  fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>,
);

type Mutation = { kind: 'set'; pick: number; value: Json } | { kind: 'delete'; pick: number } | { kind: 'add'; pick: number; key: string; value: Json } | { kind: 'duplicate'; pick: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), pick: fc.nat(), value: nasty }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('add' as const), pick: fc.nat(), key: fc.oneof(fc.constantFrom('constructor', '__proto__', 'toString', 'period', 'extra'), fc.string({ maxLength: 8 })), value: nasty }),
  fc.record({ kind: fc.constant('duplicate' as const), pick: fc.nat() }),
);

function mutate(base: Json, mutations: Mutation[]): Json {
  const root = structuredClone(base) as Json;
  for (const m of mutations) {
    const all = paths(root);
    if (all.length === 0) break;
    const path = all[m.pick % all.length];
    const parent = parentOf(root, path);
    const key = path[path.length - 1];
    if (m.kind === 'set') parent[key] = m.value;
    else if (m.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete parent[key];
    } else if (m.kind === 'add') {
      const target = parent[key];
      if (target !== null && typeof target === 'object' && !Array.isArray(target)) Object.defineProperty(target, m.key, { value: m.value, enumerable: true, writable: true, configurable: true });
    } else if (Array.isArray(parent)) parent.push(structuredClone(parent[key as number]));
  }
  return root;
}

describe('fuzz: mutated scenarios through the CLI', () => {
  it(`${RUNS} mutated scenarios: exit 0/1/2, no stack trace, nothing written outside the output folder`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hvsim-fuzz-'));
    let ran = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 3 }), fc.constantFrom('validate', 'validate', 'validate', 'run'), fc.constantFrom('json', 'yaml'), async (mutations, command, format) => {
          const scenario = mutate(BASE as unknown as Json, mutations);
          const file = join(dir, `s.${format}`);
          // JSON text for both: JSON is YAML, and the YAML loader takes the same paths.
          writeFileSync(file, JSON.stringify(scenario));
          const logs = join(dir, 'logs');
          const args = command === 'validate' ? ['validate', file] : ['run', file, '-m', 'kvm-linux', '--rtapp-logs', logs, '--max-wall', '3s'];
          const r = await hvsim(args);
          if (command === 'run') ran++;
          expect([0, 1, 2], `${JSON.stringify(scenario)}\n${r.stderr}`).toContain(r.code);
          expect(r.stderr).not.toMatch(STACK_FRAME);
          for (const p of listTree(dir)) expect(p === `s.${format}` || p === 'logs' || p.startsWith('logs/') || /^s\.(json|yaml)$/.test(p), p).toBe(true);
          rmSync(logs, { recursive: true, force: true });
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(ran).toBeGreaterThan(0);
  }, 600_000);
});
