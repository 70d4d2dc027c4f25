// Islands of a host's CPUs that nothing ties together: no entity may run on two of them, no guest
// spans them, no scheduling class links them (ClassNeeds.cpuCoupling, e.g. an IRMOS group's
// cpuset). What happens on one island then never depends on another, so the simulator may run each
// island's events on their own, one island after the other (issue 14, scale: a 64-pCPU host of
// pinned single-vCPU VMUs is 64 small simulations whose state stays in the caches, each with a heap
// of a few timers, instead of one heap of a thousand).

/** Island of each CPU (0 … islands − 1, numbered by their lowest CPU), given the sets of CPUs tied together. */
export function cpuIslands(cpuCount: number, ties: Iterable<readonly number[]>): { islandOf: Int32Array; count: number } {
  const parent = Int32Array.from({ length: cpuCount }, (_, i) => i);
  const root = (c: number): number => {
    while (parent[c] !== c) {
      parent[c] = parent[parent[c]];
      c = parent[c];
    }
    return c;
  };
  for (const set of ties) {
    for (let i = 1; i < set.length; i++) {
      const a = root(set[0]);
      const b = root(set[i]);
      // The lower CPU stays the root, so numbering by root order is numbering by lowest CPU.
      if (a < b) parent[b] = a;
      else if (b < a) parent[a] = b;
    }
  }
  const islandOf = new Int32Array(cpuCount);
  const numberOf = new Map<number, number>();
  for (let c = 0; c < cpuCount; c++) {
    const r = root(c);
    let n = numberOf.get(r);
    if (n === undefined) numberOf.set(r, (n = numberOf.size));
    islandOf[c] = n;
  }
  return { islandOf, count: numberOf.size };
}
