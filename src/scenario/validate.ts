// Schema validation with ajv, and the translation of ajv's error list into ONE InputError a user
// can act on. ajv reports every failing keyword, including the branches of unions the user never
// meant; the rules below pick the deepest concrete complaint and phrase it from the schema itself.

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { codeUrl } from '../code-root.js';
import { requireWithCodeCache } from '../code-cache.js';
import type Ajv2020 from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { InputError, describeValue } from '../errors.js';
import { BANDWIDTH_EXPECTED, BANDWIDTH_PATTERN, DURATION_EXPECTED, DURATION_PATTERN, RATE_EXPECTED, RATE_PATTERN } from './units.js';
import { ID_PATTERN, scenarioSchema, type RawScenario } from './schema.js';
import { didYouMean } from './suggest.js';
import { PERCENT_PATTERN } from './schema-regress.js';
import { BANDWIDTH_PATTERN as BYTES_PER_SEC_PATTERN, SIZE_PATTERN } from './memory-units.js';

type SchemaNode = Record<string, any>;

const PATTERN_PHRASES: Record<string, string> = {
  [DURATION_PATTERN]: DURATION_EXPECTED,
  [RATE_PATTERN]: RATE_EXPECTED,
  [BANDWIDTH_PATTERN]: BANDWIDTH_EXPECTED,
  [ID_PATTERN]: 'a name made of letters, digits, ".", "_" or "-"',
  [PERCENT_PATTERN]: 'a percentage such as "5%"',
  [BYTES_PER_SEC_PATTERN]: 'bytes per second with a unit, such as "120MB/s" or "300MiB/s" (B, KiB, MiB, GiB, KB, MB, GB per s)',
  [SIZE_PATTERN]: 'a size with a unit, such as "48KiB", "2000GB" or "64B" (B, KiB, MiB, GiB, KB, MB, GB)',
};

let compiled: ValidateFunction | undefined;

/**
 * The validator: the standalone code `npm run build` generates next to this module
 * (emit-validator.ts), which loads in milliseconds, or — from the TypeScript sources, as the tests
 * run — the schema compiled now, which takes several hundred. The built one is compiled with the V8
 * code cache the build made for it when that matches (src/code-cache.ts). Both come from the same ajv options,
 * and a test checks that they agree and that the built one is not stale.
 */
function loadValidator(): ValidateFunction {
  try {
    return requireWithCodeCache(fileURLToPath(BUILT_VALIDATOR_URL)) as ValidateFunction;
  } catch {
    return scenarioAjv(false).compile(scenarioSchema);
  }
}

/**
 * Where the build writes the standalone validator: beside the compiled validate.js, found through
 * the code root so the bundled CLI (dist/bundle/) loads the same file (src/code-root.ts).
 */
export const BUILT_VALIDATOR_URL = codeUrl('src/scenario/scenario-validator.cjs');

/** The ajv instance both validators come from; `source` keeps the generated code (standalone). */
export function scenarioAjv(source: boolean): InstanceType<typeof Ajv2020.default> {
  // Required here, not imported: the built standalone validator needs none of ajv's compiler
  // (50 ms of every start). ajv is CommonJS; its module's `default` property is the class.
  const { default: Ajv } = createRequire(import.meta.url)('ajv/dist/2020.js') as typeof Ajv2020;
  return new Ajv({
    allErrors: true, // all candidates, so the most specific one can be chosen
    verbose: true, // errors carry the failing data and schema node, used to phrase messages
    discriminator: true,
    strict: true,
    strictRequired: false, // `required` in if/else and union branches names fields defined alongside
    // Each $ref a function of its own, not a copy of the referenced schema's code at every use: the
    // standalone validator 760 -> 563 KB, which every start reads and loads (start-up, issue 14);
    // the same errors (scenario-validator.test.ts compares them with the compiled schema's).
    inlineRefs: false,
    ...(source ? { code: { source: true } } : {}),
  });
}

/** Check `data` against the scenario schema; throws one InputError describing the best error. */
export function validateRawScenario(data: unknown, file: string): asserts data is RawScenario {
  const validate = (compiled ??= loadValidator());
  if (validate(data)) return;
  throw new InputError({ file, ...explainSchemaErrors(validate.errors ?? []) });
}

interface Explained {
  pointer: string;
  expected: string;
  found: string;
  hint?: string;
}

interface Candidate extends Explained {
  depth: number;
  rank: number;
}

/** Preference among errors at the same depth: a concrete complaint beats "wrong type". */
const KEYWORD_RANK: Record<string, number> = {
  additionalProperties: 0,
  required: 1,
  discriminator: 2,
  type: 9,
};

/** Reduce ajv's error list to the single most useful explanation. */
export function explainSchemaErrors(errors: ErrorObject[]): Explained {
  const candidates: Candidate[] = [];
  for (const error of errors) {
    const explained = explainOne(error, errors);
    if (!explained) continue;
    const depth = explained.pointer === '' ? 0 : explained.pointer.split('/').length - 1;
    candidates.push({ ...explained, depth, rank: KEYWORD_RANK[error.keyword] ?? 5 });
  }
  // Array.prototype.sort is stable: among equals, ajv's order (outer schemas first) is kept.
  candidates.sort((a, b) => b.depth - a.depth || a.rank - b.rank);
  const best = candidates[0];
  if (!best) {
    const first = errors[0];
    return { pointer: first?.instancePath ?? '', expected: 'a valid scenario', found: first?.message ?? 'an invalid value' };
  }
  const { depth: _depth, rank: _rank, ...explained } = best;
  return explained;
}

function explainOne(error: ErrorObject, all: ErrorObject[]): Explained | undefined {
  const at = error.instancePath;
  const node = (error.parentSchema ?? {}) as SchemaNode;
  switch (error.keyword) {
    // Summaries of unions and conditionals: their branches' own errors say more.
    case 'oneOf':
    case 'anyOf':
    case 'if':
      return undefined;
    case 'additionalProperties': {
      const field = String(error.params.additionalProperty);
      const known = Object.keys(node.properties ?? {});
      // Fields named by a pattern (an overhead's pN percentiles) are described by their schema's title.
      const patterned = Object.values(node.patternProperties ?? {}).map((p) => (p as SchemaNode).title as string | undefined).filter((t) => t !== undefined);
      return {
        pointer: `${at}/${escape(field)}`,
        expected: `one of the fields ${known.join(', ')}${patterned.length > 0 ? `, or ${patterned.join(', ')}` : ''}`,
        found: `unknown field ${JSON.stringify(field)}`,
        hint: didYouMean(field, known),
      };
    }
    case 'required': {
      const field = String(error.params.missingProperty);
      const alternative = conditionalAlternative(error, all);
      if (alternative) {
        return { pointer: at, expected: `at least one of the fields ${alternative.join(', ')}`, found: 'neither' };
      }
      const property = propertySchema(node, field);
      const what = node.discriminator?.propertyName === field ? discriminatorValues(node, field) : describeSchema(property);
      return {
        pointer: `${at}/${escape(field)}`,
        expected: `the required field "${field}" (${what})`,
        found: 'nothing',
        hint: property.description,
      };
    }
    case 'not': {
      // Only used as `not: { required: [a, b] }`: fields that exclude each other.
      const exclusive: string[] = node.not?.required ?? [];
      return { pointer: at, expected: `only one of the fields ${exclusive.join(', ')}`, found: 'both' };
    }
    case 'discriminator': {
      const tag = String(error.params.tag);
      // A missing tag is already reported by `required`; this is the wrong-value case.
      return {
        pointer: `${at}/${escape(tag)}`,
        expected: discriminatorValues(node, tag),
        found: describeValue(error.params.tagValue),
      };
    }
    case 'type': {
      // A value of the wrong type for a union (exec, models[i]): describe the whole union.
      const union = all.find((e) => e.keyword === 'oneOf' && e.instancePath === at);
      const target = union ? (union.parentSchema as SchemaNode) : node;
      return { pointer: at, expected: describeSchema(target), found: describeValue(error.data), hint: unitHint(target, error.data) };
    }
    case 'uniqueItems':
      return {
        pointer: at,
        expected: `${describeSchema(node)}`,
        found: `${describeValue((error.data as unknown[])[error.params.i as number])} twice`,
      };
    case 'enum':
      return { pointer: at, expected: describeSchema(node), found: describeValue(error.data), hint: typeof error.data === 'string' ? didYouMean(error.data, (node.enum as unknown[]).filter((v): v is string => typeof v === 'string')) : undefined };
    default:
      return { pointer: at, expected: describeSchema(node), found: describeValue(error.data) };
  }
}

/**
 * `if: { required: [a] }, else: { required: [b] }` encodes "a or b". When the else branch fails,
 * report both fields rather than only b.
 */
function conditionalAlternative(error: ErrorObject, all: ErrorObject[]): string[] | undefined {
  if (!error.schemaPath.endsWith('/else/required')) return undefined;
  const conditional = all.find(
    (e) => e.keyword === 'if' && e.instancePath === error.instancePath && e.params.failingKeyword === 'else',
  );
  const condition: string[] | undefined = (conditional?.parentSchema as SchemaNode | undefined)?.if?.required;
  return condition ? [...condition, String(error.params.missingProperty)] : undefined;
}

/** Follow a local `$ref` into `$defs`; sibling keywords (title, description) take precedence. */
function resolve(node: SchemaNode): SchemaNode {
  const ref: unknown = node.$ref;
  if (typeof ref !== 'string' || !ref.startsWith('#/$defs/')) return node;
  const target = (scenarioSchema.$defs as Record<string, SchemaNode>)[ref.slice('#/$defs/'.length)];
  const { $ref: _ref, ...rest } = node;
  return target ? { ...resolve(target), ...rest } : node;
}

/** ", at most 64 characters" for a string with a documented length limit. */
function lengthOf(node: SchemaNode): string {
  return typeof node.maxLength === 'number' ? `, at most ${node.maxLength} characters` : '';
}

/** A noun phrase for the values a schema node accepts: "an integer in 1..256". */
export function describeSchema(raw: SchemaNode): string {
  const node = resolve(raw);
  if (node.discriminator) {
    const tag: string = node.discriminator.propertyName;
    return `an object with "${tag}" set to ${discriminatorValues(node, tag)}`;
  }
  if (Array.isArray(node.oneOf)) return (node.oneOf as SchemaNode[]).map(describeSchema).join(' or ');
  if (Array.isArray(node.enum)) return `one of ${listOr(node.enum.map((v: unknown) => JSON.stringify(v)))}`;
  if ('const' in node) return JSON.stringify(node.const);
  if (typeof node.pattern === 'string') return (PATTERN_PHRASES[node.pattern] ?? `a string matching ${node.pattern}`) + lengthOf(node);
  switch (node.type) {
    case 'integer':
    case 'number':
      return `${node.type === 'integer' ? 'an integer' : 'a number'}${rangeOf(node)}`;
    case 'string':
      return `a string${lengthOf(node)}`;
    case 'boolean':
      return 'true or false';
    case 'array': {
      const atLeast = node.minItems ? ` of at least ${node.minItems} item${node.minItems === 1 ? '' : 's'}` : '';
      const atMost = node.maxItems !== undefined ? `${atLeast ? ' and' : ' of'} at most ${node.maxItems} items` : '';
      return `a list${atLeast}${atMost}${node.uniqueItems ? ' without duplicates' : ''}`;
    }
    case 'object': {
      const fields = Object.keys(node.properties ?? {});
      // One-key objects (program steps): say so, since {} and two keys both fail.
      if (node.maxProperties === 1 && fields.length > 0) return `an object with exactly one of the fields ${listOr(fields)}`;
      return fields.length ? `an object with fields ${fields.join(', ')}` : 'an object';
    }
    default:
      return 'a valid value';
  }
}

function rangeOf(node: SchemaNode): string {
  const { minimum: min, maximum: max } = node;
  if (min !== undefined && max !== undefined) return ` in ${min}..${max}`;
  if (min !== undefined) return ` >= ${min}`;
  if (max !== undefined) return ` <= ${max}`;
  return '';
}

/** `one of "periodic", "sporadic", ...`: the tag values of a discriminated union's branches. */
function discriminatorValues(node: SchemaNode, tag: string): string {
  const values = ((node.oneOf ?? []) as SchemaNode[]).flatMap((branch) => {
    const property = resolve(branch).properties?.[tag] ?? {};
    return 'const' in property ? [property.const] : (property.enum ?? []);
  });
  return `one of ${listOr(values.map((v: unknown) => JSON.stringify(v)))}`;
}

/** The schema of `field` in an object node, looking into union branches when the node has none. */
function propertySchema(node: SchemaNode, field: string): SchemaNode {
  const own = node.properties?.[field];
  if (own) return resolve(own);
  for (const branch of (node.oneOf ?? []) as SchemaNode[]) {
    const found = resolve(branch).properties?.[field];
    if (found) return resolve(found);
  }
  return {};
}

function listOr(items: string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

function unitHint(node: SchemaNode, data: unknown): string | undefined {
  return typeof data === 'number' && resolve(node).pattern === DURATION_PATTERN ? `add a unit, e.g. "${data}ms"` : undefined;
}

function escape(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
