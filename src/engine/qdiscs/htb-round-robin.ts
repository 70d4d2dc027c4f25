// sch_htb's round robin among the classes that may send (net/sched/sch_htb.c, "feed tree version";
// io-qos.md §2.2): which leaf sends next at a level and prio. The rule, as the kernel has it:
//   - Activation (htb_activate_prios): a backlogged leaf of prio p climbs while the class it stands
//     on is yellow (HTB_MAY_BORROW), entering its parent's feed[p] (the parent's "inner feed", an
//     rb-tree by classid); the first green class (HTB_CAN_SEND) of the chain enters the row of its
//     level, row[level][p]; a red one (HTB_CANT_SEND) ends the chain unseen.
//   - Lookup (htb_lookup_leaf): from row[level][p]'s pointer, descend through each inner class's
//     feed[p] pointer to a leaf. A pointer that has run past the end of its tree rewinds to the
//     first class and moves the pointer above it on by one: an inner class keeps its parent's turn
//     for one full round of its own children, then the turn passes to its next sibling.
//   - DRR (htb_dequeue_tree): the leaf sends one packet; its deficit[level] drops by the packet's
//     length, and when it goes negative it gains its quantum and the pointer that chose it moves on
//     (the leaf's parent's feed pointer when borrowing, level > 0; row[0]'s when not).
//   - Leaving (htb_deactivate_prios, htb_remove_class_from_row): a class whose feed pointer points at
//     a child that leaves forgets it but keeps its classid (last_ptr_id) and resumes at the first
//     class at or above that id; a row pointer at a class that leaves moves to the next one.
// The kernel keeps these trees up to date at each mode change; here they are rebuilt from the
// classes' modes whenever the discipline dequeues (the kernel also applies mode changes due by the
// clock in htb_dequeue, htb_do_events), and the pointer rules above are applied to the classes found
// gone. Classid order is the order of the class list (the root, not a listed class, first).

/** A class as the round robin sees it: its place in the class list, its level and its parent. */
export interface RoundRobinClass {
  /** Classid order (list index; the root −1). */
  readonly order: number;
  readonly level: number;
  readonly parent: RoundRobinClass | null;
  readonly isLeaf: boolean;
}

export type HtbMode = 'red' | 'yellow' | 'green';

/** sch_htb's TC_HTB_NUMPRIO and TC_HTB_MAXDEPTH. */
export const NUM_PRIO = 8;
export const MAX_DEPTH = 8;

/** One rb-tree of sch_htb (a row or an inner class's feed) with its round-robin pointer. */
interface Tree<C> {
  /** By classid. */
  members: C[];
  /** The class whose turn it is; null once past the end (or forgotten). */
  at: C | null;
  /** last_ptr_id: the classid to resume from when `at` was forgotten. */
  resumeFrom: number | null;
  readonly isRow: boolean;
}

const firstFrom = <C extends RoundRobinClass>(members: C[], order: number): C | null => members.find((m) => m.order >= order) ?? null;
const after = <C extends RoundRobinClass>(members: C[], c: C): C | null => members.find((m) => m.order > c.order) ?? null;

export class HtbRoundRobin<C extends RoundRobinClass> {
  /** Per "level/prio" for rows, per class and prio for feeds. */
  private readonly rows = new Map<string, Tree<C>>();
  private readonly feeds = new Map<C, Tree<C>[]>();

  /** Rebuild rows and feeds from the backlogged leaves and the classes' modes now. */
  update(backlogged: readonly { leaf: C; prio: number }[], modeOf: (c: C) => HtbMode): void {
    const rows = new Map<string, Set<C>>();
    const feeds = new Map<Tree<C>, Set<C>>();
    for (const { leaf, prio } of backlogged) {
      let c = leaf;
      while (modeOf(c) === 'yellow' && c.parent !== null) {
        const feed = this.feed(c.parent as C, prio);
        if (!feeds.has(feed)) feeds.set(feed, new Set());
        feeds.get(feed)!.add(c);
        c = c.parent as C;
      }
      if (modeOf(c) !== 'green') continue;
      const key = `${c.level}/${prio}`;
      if (!rows.has(key)) rows.set(key, new Set());
      rows.get(key)!.add(c);
    }
    for (const [key, tree] of this.rows) this.replace(tree, rows.get(key));
    for (const [key, members] of rows) if (!this.rows.has(key)) this.replace(this.row(key), members);
    for (const trees of this.feeds.values()) for (const tree of trees) this.replace(tree, feeds.get(tree));
  }

  /** The lowest level, then the lowest prio, with a class that may send (htb_dequeue's loop); null for none. */
  firstRow(): { level: number; prio: number } | null {
    for (let level = 0; level < MAX_DEPTH; level++) {
      for (let prio = 0; prio < NUM_PRIO; prio++) if ((this.rows.get(`${level}/${prio}`)?.members.length ?? 0) > 0) return { level, prio };
    }
    return null;
  }

  /** htb_lookup_leaf: the leaf whose turn it is at this level and prio (the row must not be empty). */
  lookupLeaf(level: number, prio: number): C {
    const stack: Tree<C>[] = [this.row(`${level}/${prio}`)];
    // Each step descends, or rewinds a tree and moves the one above on; the kernel bounds it too.
    for (let step = 0; step < 65_535; step++) {
      const top = stack[stack.length - 1];
      if (top.at === null && top.resumeFrom !== null) top.at = firstFrom(top.members, top.resumeFrom);
      top.resumeFrom = null;
      if (top.at === null) {
        top.at = top.members[0];
        if (stack.length > 1) {
          stack.pop();
          const above = stack[stack.length - 1];
          above.at = after(above.members, above.at!);
        }
      } else if (top.at.isLeaf) return top.at;
      else stack.push(this.feed(top.at, prio));
    }
    throw new Error(`htb: no leaf found at level ${level}, prio ${prio}`);
  }

  /** The leaf's deficit went negative: the pointer that chose it moves on (htb_dequeue_tree). */
  passTurn(leaf: C, level: number, prio: number): void {
    const tree = level > 0 ? this.feed(leaf.parent as C, prio) : this.row(`0/${prio}`);
    if (tree.at !== null) tree.at = after(tree.members, tree.at);
  }

  private row(key: string): Tree<C> {
    let tree = this.rows.get(key);
    if (!tree) this.rows.set(key, (tree = { members: [], at: null, resumeFrom: null, isRow: true }));
    return tree;
  }

  private feed(inner: C, prio: number): Tree<C> {
    let trees = this.feeds.get(inner);
    if (!trees) this.feeds.set(inner, (trees = Array.from({ length: NUM_PRIO }, () => ({ members: [], at: null, resumeFrom: null, isRow: false }))));
    return trees[prio];
  }

  /** New members for a tree; a pointer at a class that left follows the kernel's rule for rows or feeds. */
  private replace(tree: Tree<C>, now: Set<C> | undefined): void {
    const members = now ? [...now].sort((a, b) => a.order - b.order) : [];
    const at = tree.at;
    if (at !== null && !members.includes(at)) {
      if (tree.isRow) tree.at = after(members, at);
      else {
        tree.resumeFrom = at.order;
        tree.at = null;
      }
    }
    tree.members = members;
  }
}
