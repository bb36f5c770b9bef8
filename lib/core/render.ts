import { ApiObject, App, ImplicitTokenResolver, Lazy, LazyResolver, NumberStringUnionResolver } from 'cdk8s';

/**
 * Renders objects to JSON exactly as `ApiObject.toJson()` does, in a fraction of the time, and
 * hands each object's JSON to `each`.
 *
 * cdk8s resolves every value of an object separately: for each one it finds the app by walking up
 * the construct tree, allocates a resolution context and a key path, and offers the value to each
 * resolver; then it copies the result once more to drop empty values and sort keys. For an app
 * with cdk8s's own resolvers only (the default), `renderObjects` does the same in one pass over
 * each value: Lazy values produced, implicit tokens (`resolve()`) and number-or-string unions
 * (`IntOrString`, `Quantity`) replaced as those resolvers replace them, nullish values dropped from
 * maps, keys sorted unless CDK8S_DISABLE_SORT is set (metadata's always), metadata's empty lists
 * and maps dropped, `apiVersion`, `kind` and `metadata` first. Values are resolved in cdk8s's order (metadata, then
 * props in their order), so that Lazy producers run as they would.
 *
 * Objects with JSON patches, values of another shape than cdk8s accepts (it throws for them) and
 * apps with resolvers of their own are rendered by `toJson()` itself. test/core/render.test.ts
 * holds the two to the same output.
 */
export function renderObjects(objects: readonly ApiObject[], each: (o: ApiObject, json: any) => void): void {
  if (objects.length === 0) {
    return;
  }
  const cdk8sToJson = ApiObject.prototype.toJson;
  const sortKeys = !process.env.CDK8S_DISABLE_SORT;
  // The generated classes' toJson() calls super.toJson() and maps the keys; the base method is
  // swapped for the one-pass rendering while these objects are rendered, and put back after.
  const fast = function (this: ApiObject): any {
    const rendered = renderApiObject(this, sortKeys);
    return rendered === FALL_BACK ? cdk8sToJson.call(this) : rendered;
  };
  const apps = new Map<ApiObject, boolean>();
  ApiObject.prototype.toJson = fast;
  try {
    for (const o of objects) {
      let json;
      if (hasDefaultResolvers(o, apps)) {
        json = o.toJson();
      } else {
        ApiObject.prototype.toJson = cdk8sToJson;
        json = o.toJson();
        ApiObject.prototype.toJson = fast;
      }
      // Handed over one by one, so that an object's JSON can be dropped as soon as it was used.
      each(o, json);
    }
  } finally {
    ApiObject.prototype.toJson = cdk8sToJson;
  }
}

/** Whether the app of `o` resolves with cdk8s's three resolvers only (apps cached by their first object). */
function hasDefaultResolvers(o: ApiObject, cache: Map<unknown, boolean>): boolean {
  const app = App.of(o) as App;
  let known = cache.get(app);
  if (known === undefined) {
    const r = app.resolvers ?? [];
    known = r.length === 3 && r[0] instanceof LazyResolver && r[1] instanceof ImplicitTokenResolver && r[2] instanceof NumberStringUnionResolver;
    cache.set(app, known);
  }
  return known;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** Returned when an object must be rendered by cdk8s itself. */
const FALL_BACK = Symbol('fall back to cdk8s');

/** What `ApiObject.toJson()` returns for `o`, or FALL_BACK. */
function renderApiObject(o: ApiObject, sortKeys: boolean): any {
  const self = o as any;
  const metadata = self.metadata;
  if (self.patches?.length > 0 || metadata === undefined || !('_additionalAttributes' in metadata)) {
    return FALL_BACK;
  }
  try {
    // ApiObjectMetadataDefinition.toJson(): its fields over the extra attributes, empty ones dropped.
    const meta = renderMetadata(metadata);
    const body = render({ ...self.props, metadata: undefined }, false, sortKeys) ?? {};
    const result: Record<string, unknown> = {};
    if ('apiVersion' in body) result.apiVersion = body.apiVersion;
    if ('kind' in body) result.kind = body.kind;
    if (meta !== undefined) result.metadata = meta;
    for (const key of Object.keys(body)) {
      if (key !== 'apiVersion' && key !== 'kind') {
        result[key] = body[key];
      }
    }
    return result;
  } catch (error) {
    if (error === FALL_BACK) {
      return FALL_BACK;
    }
    throw new Error(`Failed serializing construct at path '${o.node.path}' with name '${o.name}': ${error}`, { cause: error });
  }
}

/**
 * cdk8s's resolve() followed by its sanitizeValue() in one pass. `filterEmpty` drops empty lists and
 * maps as the metadata's rendering does. Throws FALL_BACK for a value cdk8s would refuse.
 */
function render(value: any, filterEmpty: boolean, sortKeys: boolean): any {
  // The resolvers, in cdk8s's order: each replacement is resolved again.
  for (;;) {
    if (value === null || value === undefined) {
      return undefined;
    }
    if (typeof value !== 'object' && typeof value !== 'function') {
      return value;
    }
    if (value instanceof Lazy) {
      value = value.produce();
    } else if (typeof value.resolve === 'function') {
      value = value.resolve();
    } else if (value.constructor !== Object && (typeof value.value === 'number' || typeof value.value === 'string')) {
      value = { value: value.value };
    } else {
      break;
    }
  }
  if (Array.isArray(value)) {
    if (filterEmpty && value.length === 0) {
      return undefined;
    }
    return value.map((item: unknown) => render(item, filterEmpty, sortKeys));
  }
  if (value.constructor !== Object) {
    throw FALL_BACK;
  }
  // Resolved in the map's own order, written in sorted order: most maps of schema-generated classes
  // are in sorted order already, and are written as they are resolved; the others are put in order
  // after, in place (see sortedCopy).
  const out: Record<string, unknown> = {};
  let written = 0;
  let sorted = true;
  let last: string | undefined;
  // for-in rather than Object.keys: the same own keys in the same order, without an array per map.
  for (const key in value) {
    if (!hasOwn.call(value, key)) {
      continue;
    }
    const v = render(value[key], filterEmpty, sortKeys);
    if (v !== undefined && v !== null) {
      if (last !== undefined && !(last < key)) {
        sorted = false;
      }
      last = key;
      out[key] = v;
      written++;
    }
  }
  if (filterEmpty && written === 0) {
    return undefined;
  }
  return sortKeys && !sorted ? sortedCopy(out) : out;
}

/** The fields of ApiObjectMetadataDefinition.toJson(), in its order, and their indexes in SORTED_METADATA_FIELDS. */
const METADATA_FIELDS = ['name', 'namespace', 'annotations', 'finalizers', 'ownerReferences', 'labels'];
const SORTED_METADATA_FIELDS = [...METADATA_FIELDS].sort();
const METADATA_FIELD_INDEX: Record<string, number> = Object.fromEntries(SORTED_METADATA_FIELDS.map((f, i) => [f, i]));

/**
 * The metadata as ApiObjectMetadataDefinition.toJson() gives it, resolved: `{ ..._additionalAttributes,
 * name, namespace, annotations, finalizers, ownerReferences, labels }` with sorted keys, empty values
 * dropped. The extra attributes are the options the metadata was made with, which mostly hold only
 * those six fields: then each field is resolved in the order of that object (the extra attributes'
 * order, then the rest in toJson's) and written in sorted order, without building the object.
 */
function renderMetadata(metadata: any): any {
  const extra = metadata._additionalAttributes;
  for (const key in extra) {
    if (hasOwn.call(extra, key) && !hasOwn.call(METADATA_FIELD_INDEX, key)) {
      return render({
        ...extra,
        name: metadata.name,
        namespace: metadata.namespace,
        annotations: metadata.annotations,
        finalizers: metadata.finalizers,
        ownerReferences: metadata.ownerReferences,
        labels: metadata.labels,
      }, true, true);
    }
  }
  const values: unknown[] = [undefined, undefined, undefined, undefined, undefined, undefined];
  const done: boolean[] = [false, false, false, false, false, false];
  for (const key in extra) {
    if (hasOwn.call(extra, key)) {
      const i = METADATA_FIELD_INDEX[key];
      values[i] = render(metadata[key], true, true);
      done[i] = true;
    }
  }
  for (let j = 0; j < METADATA_FIELDS.length; j++) {
    const i = METADATA_FIELD_INDEX[METADATA_FIELDS[j]];
    if (!done[i]) {
      values[i] = render(metadata[METADATA_FIELDS[j]], true, true);
    }
  }
  const out: Record<string, unknown> = {};
  let written = 0;
  for (let i = 0; i < SORTED_METADATA_FIELDS.length; i++) {
    if (values[i] !== undefined && values[i] !== null) {
      out[SORTED_METADATA_FIELDS[i]] = values[i];
      written++;
    }
  }
  return written === 0 ? undefined : out;
}

/** `map` with its keys in ascending order (as cdk8s sorts them): an insertion sort of its few keys. */
function sortedCopy(map: Record<string, unknown>): Record<string, unknown> {
  const keys = Object.keys(map);
  if (keys.length > 32) {
    keys.sort();
  } else {
    for (let i = 1; i < keys.length; i++) {
      const key = keys[i];
      let j = i - 1;
      while (j >= 0 && keys[j] > key) {
        keys[j + 1] = keys[j];
        j--;
      }
      keys[j + 1] = key;
    }
  }
  const out: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) {
    out[keys[i]] = map[keys[i]];
  }
  return out;
}
