// Number fields that will hold nanoseconds, made doubles in V8's hidden class from the start.
//
// V8 stores a field that has only ever held small integers (Smis: 31-bit signed on Node's 64-bit
// builds) untagged, and a double field boxed; the first value past 2^31 in one object's field —
// a time past 2.15 s, a task's executed time past it ~24 s into the issue 14 EDF set — deprecates
// the hidden class of every object of that shape, and each optimised function that read them
// deoptimises at that instant, mid-run, to be compiled again (issue 14: 13–14 engine functions at
// once, seen with --trace-deopt). Writing a fraction first, at construction, makes the field a
// double from the start; the value written after it is the real one, so nothing computed changes.

/** Make each of `fields` of `o` a double field of its hidden class, keeping its current value. */
export function widenNumberFields<T extends object>(o: T, fields: readonly (keyof T & string)[]): void {
  const record = o as unknown as Record<string, number>;
  // Indexed: called for most objects a build makes, before V8 optimises it, where for-of made an
  // iterator result per field (0.3 MB of a 64-pCPU build's garbage, issue 14).
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    const value = record[f];
    record[f] = 0.5;
    record[f] = value;
  }
}
