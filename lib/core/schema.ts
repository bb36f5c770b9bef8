/**
 * Validation of synthesized objects against the schemas the cluster uses: the built-in kinds of
 * Kubernetes 1.31 and the custom resources of the pinned CRDs (upstream.lock.json), strictly (an unknown field is an
 * error, as with kubectl's strict field validation), and of Helm chart values against a schema
 * derived from the chart's values.yaml. The validators are compiled ahead of time by
 * `npm run validators` (scripts/compile-validators.js) and loaded by kind when first needed.
 */
import { VALIDATORS } from './validators';

/** One error of a compiled validator (ajv's error object). */
export interface SchemaError {
  readonly instancePath: string;
  readonly schemaPath: string;
  readonly keyword: string;
  readonly params: Record<string, any>;
  readonly message?: string;
}

/** A validator compiled by scripts/compile-validators.js. */
export interface CompiledValidator {
  (data: unknown): boolean;
  errors?: SchemaError[] | null;
}

/** The Kubernetes version whose built-in schemas synth validates against. */
export const KUBERNETES_SCHEMA_VERSION = '1.31';

/** At most this many schema problems are reported per object; the rest are counted. */
const MAX_PROBLEMS_PER_OBJECT = 20;

const loaded = new Map<string, CompiledValidator>();

function validatorFor(key: string): { validate: CompiledValidator; source: string } | undefined {
  const entry = VALIDATORS[key];
  if (!entry) {
    return undefined;
  }
  let validate = loaded.get(key);
  if (!validate) {
    validate = entry.load();
    loaded.set(key, validate);
  }
  return { validate, source: entry.source };
}

/** Whether synth has a schema for objects of this apiVersion and kind. */
export function hasSchema(apiVersion: string, kind: string): boolean {
  return VALIDATORS[`${apiVersion}/${kind}`] !== undefined;
}

/**
 * The problems of one Kubernetes object against its schema, each naming the field, the value and
 * the fix; empty when the API server would accept the object's shape. An object of a kind with no
 * schema is a problem too: the cluster would not know it either, or synth cannot check it.
 */
export function objectSchemaProblems(object: { apiVersion?: unknown; kind?: unknown; [key: string]: unknown }): string[] {
  const apiVersion = String(object.apiVersion);
  const kind = String(object.kind);
  const found = validatorFor(`${apiVersion}/${kind}`);
  if (!found) {
    const versions = Object.keys(VALIDATORS).filter((k) => k.endsWith(`/${kind}`) && !k.startsWith('helm-values/')).map((k) => k.slice(0, -kind.length - 1));
    if (versions.length > 0) {
      return [`apiVersion ${apiVersion} of ${kind} is not served by Kubernetes ${KUBERNETES_SCHEMA_VERSION} or the pinned CRDs: use ${versions.join(' or ')}`];
    }
    // A built-in alpha or beta API (off by default, or removed) is not a CRD to pin.
    return [/^([^/]+\/)?v\d+(alpha|beta)\d*$/.test(apiVersion)
      ? `apiVersion ${apiVersion} of ${kind} is an alpha or beta API, which Kubernetes ${KUBERNETES_SCHEMA_VERSION} does not serve by default (or no longer serves) and synth has no schema for: use a stable API version of the kind, or, if a CRD serves it, pin the CRD in upstream.lock.json, fetch it (npm run upstream:fetch) and run npm run validators`
      : `kind ${kind} (${apiVersion}) has no schema in Kubernetes ${KUBERNETES_SCHEMA_VERSION} or in the pinned CRDs, so synth cannot check it and the cluster may not know it: pin its CRD in upstream.lock.json, fetch it (npm run upstream:fetch) and run npm run validators, or remove the object`];
  }
  return describeErrors(found.validate, object, found.source, '', false);
}

/**
 * The problems of a Helm chart's values against the schema derived from the chart's values.yaml:
 * unknown keys, values of the wrong type, Kubernetes fields (resources, security contexts, ...)
 * that Kubernetes would reject.
 *
 * @param chart the chart's name as registered by scripts/compile-validators.js, e.g. `spark-operator`
 * @param prefix names the values in messages, e.g. `values`
 */
export function chartValuesProblems(chart: string, values: unknown, prefix: string): string[] {
  const found = validatorFor(`helm-values/${chart}`);
  if (!found) {
    throw new Error(`no values schema for chart ${chart}: add it to CHART_VALUES in scripts/compile-validators.js and run npm run validators`);
  }
  return describeErrors(found.validate, values, found.source, prefix, true);
}

/** @param values whether `data` is a chart's values (else a Kubernetes object) */
function describeErrors(validate: CompiledValidator, data: unknown, source: string, prefix: string, values: boolean): string[] {
  if (validate(data)) {
    return [];
  }
  const errors = validate.errors ?? [];
  // An anyOf that failed reports each branch's failure at the same place; the anyOf itself says it all.
  const anyOfAt = new Set(errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath));
  const kept = errors.filter((e) => e.keyword === 'anyOf' || !anyOfAt.has(e.instancePath));
  const messages = [...new Set(kept.map((e) => describe(e, data, source, prefix, errors, values)))];
  if (messages.length > MAX_PROBLEMS_PER_OBJECT) {
    return [...messages.slice(0, MAX_PROBLEMS_PER_OBJECT), `... and ${messages.length - MAX_PROBLEMS_PER_OBJECT} more schema problems in ${source}`];
  }
  return messages;
}

/** `/spec/volumes/0/name` as `spec.volumes[0].name`; keys that are not identifiers in brackets. */
export function fieldPath(pointer: string, prefix = ''): string {
  let out = prefix;
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^\d+$/.test(part)) {
      out += `[${part}]`;
    } else if (/^[A-Za-z_$][\w$-]*$/.test(part)) {
      out += out === '' ? part : `.${part}`;
    } else {
      out += `[${JSON.stringify(part)}]`;
    }
  }
  return out;
}

function valueAt(data: unknown, pointer: string): unknown {
  let value: any = data;
  for (const raw of pointer.split('/').slice(1)) {
    value = value?.[raw.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return value;
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text !== undefined && text.length > 80 ? `${text.slice(0, 77)}...` : String(text);
}

const QUANTITY_PATTERN_START = '^(\\+|-)?(([0-9]+';

function describe(e: SchemaError, data: unknown, source: string, prefix: string, all: SchemaError[], values: boolean): string {
  const field = fieldPath(e.instancePath, prefix);
  const value = valueAt(data, e.instancePath);
  const notAQuantity = () => `${field} ${show(value)} is not a Kubernetes quantity (${source}): use a number with an optional suffix, for example "500m", "2" or "8Gi"`;
  const at = (key: string) => (field === '' ? key : /^[A-Za-z_$][\w$-]*$/.test(key) ? `${field}.${key}` : `${field}[${JSON.stringify(key)}]`);
  switch (e.keyword) {
    case 'additionalProperties':
      // Helm passes unknown values to the templates, which never read them.
      return values
        ? `${at(e.params.additionalProperty)} is not a field of ${source}, so the chart would silently ignore it: remove it or correct its name`
        : `${at(e.params.additionalProperty)} is not a field of ${source}, so the API server's strict field validation rejects it: remove it or correct its name`;
    case 'required':
      return `${at(e.params.missingProperty)} is required by ${source}: set it`;
    case 'type':
      return `${field} ${show(value)} must be ${/^[aeiou]/.test(e.params.type) ? 'an' : 'a'} ${e.params.type} (${source}): ${e.params.type === 'integer' ? 'use a whole number' : `use a value of type ${e.params.type}`}`;
    case 'minimum':
    case 'exclusiveMinimum':
      return `${field} ${show(value)} is below the minimum ${e.params.limit} of ${source}: use ${e.keyword === 'minimum' ? `${e.params.limit} or more` : `more than ${e.params.limit}`}`;
    case 'maximum':
    case 'exclusiveMaximum':
      return `${field} ${show(value)} is above the maximum ${e.params.limit} of ${source}: use ${e.keyword === 'maximum' ? `${e.params.limit} or less` : `less than ${e.params.limit}`}`;
    case 'enum':
      return `${field} ${show(value)} is not one of ${(e.params.allowedValues as unknown[]).map((v) => show(v)).join(', ')} (${source}): use one of them`;
    case 'pattern':
      // CRDs give quantities as an int-or-string with the quantity pattern beside it.
      if (String(e.params.pattern).startsWith(QUANTITY_PATTERN_START)) {
        return notAQuantity();
      }
      return `${field} ${show(value)} does not match the pattern ${e.params.pattern} of ${source}: correct its format`;
    case 'anyOf': {
      const branches = all.filter((x) => x.instancePath === e.instancePath && x !== e);
      if (branches.some((x) => x.keyword === 'pattern' && String(x.params.pattern).startsWith(QUANTITY_PATTERN_START))) {
        return notAQuantity();
      }
      const types = branches.filter((x) => x.keyword === 'type').map((x) => x.params.type);
      return types.length > 0
        ? `${field} ${show(value)} must be ${types.join(' or ')} (${source}): use a value of one of those types`
        : `${field} ${show(value)} matches none of the forms ${source} allows here: correct it`;
    }
    case 'maxLength':
    case 'minLength':
    case 'maxItems':
    case 'minItems':
    case 'maxProperties':
    case 'minProperties':
      return `${field} ${show(value)} ${e.message} (${source}): correct its size`;
    default:
      return `${field} ${show(value)} ${e.message ?? `fails ${e.keyword}`} (${source}): correct it`;
  }
}
