#!/usr/bin/env node
// Compiles the schemas that synth checks every object against into JavaScript validators, once, at
// build time (`npm run validators`), so that no synth compiles a schema:
//
// - the built-in kinds of Kubernetes 1.31 (upstream/kubernetes-1.31/swagger.json), stable API
//   versions only, as the cluster serves them by default;
// - the custom resources of the pinned CRDs (their openAPIV3Schema);
// - the values of the pinned Helm charts, derived from each chart's values.yaml.
//
// It reads them from upstream/, which `npm run upstream:fetch` fills with the files that
// upstream.lock.json pins (they are not committed).
//
// Objects are closed where the schema lists properties (an unknown field is an error, as with
// kubectl's strict field validation), Kubernetes quantities and int-or-string fields take both
// forms. Each map of a CRD or of a chart's values is checked by a function of its own, one per
// distinct map, so that a synth compiles and loads only the checks of the maps its objects have
// (ownFunctions).
//
// Output: lib/core/validators/*.js (ajv standalone code) and lib/core/validators/index.ts, which
// maps apiVersion/kind to a lazily required validator. The files are committed; a test checks that
// they are what this script makes from the pinned files.
'use strict';
const fs = require('fs');
const path = require('path');
const Ajv = require('ajv').default;
const standaloneCode = require('ajv/dist/standalone').default;
const { parse } = require('yaml');

const REPO = path.resolve(__dirname, '..');
const UPSTREAM = path.join(REPO, 'upstream');
const DEFAULT_OUT = path.join(REPO, 'lib', 'core', 'validators');

/** The pinned CRDs whose custom resources synth validates, grouped into one module per file name. */
const CRDS = {
  'sparkoperator.k8s.io': [
    'spark-operator-2.3.0/sparkoperator.k8s.io_sparkapplications.yaml',
    'spark-operator-2.3.0/sparkoperator.k8s.io_scheduledsparkapplications.yaml',
  ],
  'helm.cattle.io': ['k3s-helm-controller/helm.cattle.io_helmcharts.yaml'],
  'monitoring.coreos.com': ['kube-prometheus-stack/crd-podmonitors.yaml', 'kube-prometheus-stack/crd-servicemonitors.yaml'],
  'scheduling.volcano.sh': ['volcano/scheduling.volcano.sh_queues.yaml', 'volcano/scheduling.volcano.sh_podgroups.yaml'],
  'helm.toolkit.fluxcd.io': ['flux/helm.toolkit.fluxcd.io_helmreleases.yaml'],
  'source.toolkit.fluxcd.io': ['flux/source.toolkit.fluxcd.io_helmrepositories.yaml'],
  'argoproj.io': ['argo-cd/application-crd.yaml'],
};

/**
 * The pinned Helm charts whose values synth checks: a schema is derived from the chart's
 * values.yaml (each key typed by its default), with `types` giving the schema of keys whose default
 * does not say enough: `k8s:<definition>` for a Kubernetes type, `k8s-map:<definition>` for a map
 * of them, `k8s+enabled:<definition>` for a Kubernetes type plus the `enabled` switch some charts
 * add, `open` for free-form maps, `string`, `integer`, ... for scalars that default to null, or a
 * JSON schema. `commented` lists keys the templates read that values.yaml only shows in comments;
 * each needs its type. `subcharts` names the pinned values.yaml of dependencies whose values the
 * chart passes on under a key of its own.
 */
const CHART_VALUES = {
  'spark-operator': {
    values: 'spark-operator-2.3.0/values.yaml',
    types: {
      'image.pullSecrets': 'k8s:array:io.k8s.api.core.v1.LocalObjectReference',
      '*.resources': 'k8s:io.k8s.api.core.v1.ResourceRequirements',
      '*.podSecurityContext': 'k8s:io.k8s.api.core.v1.PodSecurityContext',
      '*.securityContext': 'k8s:io.k8s.api.core.v1.SecurityContext',
      '*.affinity': 'k8s:io.k8s.api.core.v1.Affinity',
      '*.tolerations': 'k8s:array:io.k8s.api.core.v1.Toleration',
      '*.volumes': 'k8s:array:io.k8s.api.core.v1.Volume',
      '*.volumeMounts': 'k8s:array:io.k8s.api.core.v1.VolumeMount',
      '*.env': 'k8s:array:io.k8s.api.core.v1.EnvVar',
      '*.envFrom': 'k8s:array:io.k8s.api.core.v1.EnvFromSource',
      '*.sidecars': 'k8s:array:io.k8s.api.core.v1.Container',
      '*.topologySpreadConstraints': 'k8s:array:io.k8s.api.core.v1.TopologySpreadConstraint',
      '*.uiIngress.tls': 'k8s:array:io.k8s.api.networking.v1.IngressTLS',
      'spark.jobNamespaces': 'array:string',
      'controller.batchScheduler.kubeSchedulerNames': 'array:string',
      'controller.batchScheduler.default': 'enum:,volcano,yunikorn',
      '*.logLevel': 'enum:debug,info,error',
      '*.logEncoder': 'enum:console,json',
      'image.pullPolicy': 'enum:Always,IfNotPresent,Never',
      'webhook.failurePolicy': 'enum:Ignore,Fail',
      'webhook.timeoutSeconds': 'integer:1:30',
      '*.replicas': 'integer:0',
      '*.podDisruptionBudget.minAvailable': 'integer:0',
      'certManager.issuerRef': 'open',
    },
  },
  'kube-prometheus-stack': {
    values: 'kube-prometheus-stack/values.yaml',
    // The dependencies' values, which the chart hands on under their keys: the schema of `grafana`
    // is grafana's values with kube-prometheus-stack's settings over them, and so on.
    subcharts: {
      grafana: 'kube-prometheus-stack/grafana-values.yaml',
      'kube-state-metrics': 'kube-prometheus-stack/kube-state-metrics-values.yaml',
    },
    types: {
      '*.resources': 'k8s:io.k8s.api.core.v1.ResourceRequirements',
      '*.podSecurityContext': 'k8s:io.k8s.api.core.v1.PodSecurityContext',
      '*.tolerations': 'k8s:array:io.k8s.api.core.v1.Toleration',
      '*.affinity': 'k8s:io.k8s.api.core.v1.Affinity',
      'prometheus.prometheusSpec.podMonitorSelector': 'k8s:io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector',
      'prometheus.prometheusSpec.podMonitorNamespaceSelector': 'k8s:io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector',
      'prometheus.prometheusSpec.serviceMonitorSelector': 'k8s:io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector',
      'prometheus.prometheusSpec.serviceMonitorNamespaceSelector': 'k8s:io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector',
      'prometheus.prometheusSpec.ruleNamespaceSelector': 'k8s:io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector',
      'prometheus.prometheusSpec.probeNamespaceSelector': 'k8s:io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector',
      'prometheus.prometheusSpec.scrapeConfigNamespaceSelector': 'k8s:io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector',
      'prometheus.prometheusSpec.retentionSize': 'string',
      // grafana.ini is Grafana's configuration file as a map: any section, any key.
      'grafana.grafana.ini': 'open',
      'kube-state-metrics.collectors': 'array:string',
    },
  },
  volcano: {
    values: 'volcano/values.yaml',
    // Most of the chart's per-component settings default to null (`~`): their types are Kubernetes'.
    types: {
      'basic.image_pull_policy': 'enum:Always,IfNotPresent,Never',
      ...Object.fromEntries(['admission', 'scheduler', 'controller', 'agent'].map((c) => [`custom.${c}_resources`, 'k8s:io.k8s.api.core.v1.ResourceRequirements'])),
      ...Object.fromEntries(['default', 'admission', 'scheduler', 'controller', 'agent'].flatMap((c) => [
        [`custom.${c}_sc`, 'k8s:io.k8s.api.core.v1.PodSecurityContext'],
        [`custom.${c}_affinity`, 'k8s:io.k8s.api.core.v1.Affinity'],
        [`custom.${c}_tolerations`, 'k8s:array:io.k8s.api.core.v1.Toleration'],
      ])),
      ...Object.fromEntries(['default_csc', 'admission_main_csc', 'admission_init_csc', 'scheduler_main_csc', 'controller_main_csc', 'agent_main_csc', 'agent_init_csc']
        .map((c) => [`custom.${c}`, 'k8s:io.k8s.api.core.v1.SecurityContext'])),
      'custom.webhooks_namespace_selector_expressions': 'k8s:array:io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement',
      'custom.admission_replicas': 'integer:0',
      'custom.controller_replicas': 'integer:0',
      'custom.scheduler_replicas': 'integer:0',
      'custom.scheduler_config_override': 'string',
      'custom.controller_config_override': 'string',
      'custom.admission_config_override': 'string',
    },
  },
  seaweedfs: {
    values: 'seaweedfs/values.yaml',
    // Keys the chart's templates read that values.yaml shows only in comments.
    commented: ['allInOne.s3.createBuckets'],
    types: {
      // The chart renders these only with `enabled: true` and drops that key.
      '*.podSecurityContext': 'k8s+enabled:io.k8s.api.core.v1.PodSecurityContext',
      '*.containerSecurityContext': 'k8s+enabled:io.k8s.api.core.v1.SecurityContext',
      '*.resources': 'k8s:io.k8s.api.core.v1.ResourceRequirements',
      '*.secretExtraEnvironmentVars': 'k8s-map:io.k8s.api.core.v1.EnvVarSource',
      'image.tag': 'string',
      'allInOne.s3.port': 'integer:1:65535',
      'allInOne.s3.existingConfigSecret': 'string',
      'allInOne.s3.createBuckets': {
        type: 'array',
        items: {
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: {
            name: { type: 'string' },
            anonymousRead: { type: 'boolean' },
            ttl: { type: 'string' },
            objectLock: { type: 'boolean' },
            versioning: { anyOf: [{ type: 'boolean' }, { enum: ['Enabled', 'Suspended'] }] },
          },
        },
      },
      'allInOne.data.type': 'enum:hostPath,persistentVolumeClaim,emptyDir,existingClaim',
      'allInOne.data.size': 'k8s:io.k8s.apimachinery.pkg.api.resource.Quantity',
      'allInOne.data.storageClass': 'string',
    },
  },
};

const QUANTITY = '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';
/** Built-in kinds that are requests or subresources, never objects that are applied. */
const NOT_OBJECTS = new Set(['Binding', 'ComponentStatus', 'Eviction', 'Scale', 'TokenRequest', 'TokenReview', 'SelfSubjectReview',
  'LocalSubjectAccessReview', 'SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview']);

/** An identifier made from an apiVersion and kind: apps/v1 Deployment -> apps_v1_Deployment. */
function exportName(apiVersion, kind) {
  return `${apiVersion}_${kind}`.replace(/[^A-Za-z0-9]/g, '_');
}

/**
 * A Kubernetes structural schema as plain JSON Schema: descriptions and formats dropped, objects
 * with listed properties closed, `x-kubernetes-int-or-string` as integer-or-string,
 * `x-kubernetes-preserve-unknown-fields` left open, `nullable` allowing null.
 */
function jsonSchema(schema) {
  if (Array.isArray(schema)) {
    return schema.map(jsonSchema);
  }
  if (typeof schema !== 'object' || schema === null) {
    return schema;
  }
  const out = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'description' || key === 'format' || key === 'default' || key === 'example' || key.startsWith('x-') || key === 'nullable') {
      continue;
    }
    out[key] = key === 'properties' || key === 'definitions'
      ? Object.fromEntries(Object.entries(value).map(([p, s]) => [p, jsonSchema(s)]))
      : jsonSchema(value);
  }
  if (schema['x-kubernetes-int-or-string']) {
    delete out.type;
    out.anyOf = out.anyOf ?? [{ type: 'integer' }, { type: 'string' }];
  }
  if (schema.properties && out.additionalProperties === undefined && !schema['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  if (schema.nullable === true && typeof out.type === 'string') {
    out.type = [out.type, 'null'];
  }
  return out;
}

/** The Kubernetes definitions as JSON Schema, with quantities and int-or-string in both forms. */
function kubernetesDefinitions() {
  const swagger = JSON.parse(fs.readFileSync(path.join(UPSTREAM, 'kubernetes-1.31', 'swagger.json'), 'utf8'));
  const definitions = {};
  for (const [name, def] of Object.entries(swagger.definitions)) {
    definitions[name] = jsonSchema(def);
  }
  // The API server reads a quantity from a string or a number, and an int-or-string from either.
  definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'] = { anyOf: [{ type: 'string', pattern: QUANTITY }, { type: 'number' }] };
  definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'] = { anyOf: [{ type: 'integer' }, { type: 'string' }] };
  const kinds = [];
  for (const [name, def] of Object.entries(swagger.definitions)) {
    for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) {
      const stable = /^v\d+$/.test(gvk.version);
      if (stable && !gvk.kind.endsWith('List') && !NOT_OBJECTS.has(gvk.kind) && !name.startsWith('io.k8s.apimachinery')) {
        kinds.push({ apiVersion: gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version, kind: gvk.kind, definition: name });
      }
    }
  }
  return { definitions, kinds };
}

/** The definitions a definition refers to, itself included. */
function closure(definitions, name, seen = new Set()) {
  if (seen.has(name)) {
    return seen;
  }
  seen.add(name);
  const visit = (s) => {
    if (Array.isArray(s)) {
      s.forEach(visit);
    } else if (typeof s === 'object' && s !== null) {
      for (const [k, v] of Object.entries(s)) {
        if (k === '$ref' && typeof v === 'string') {
          closure(definitions, v.replace('#/definitions/', ''), seen);
        } else {
          visit(v);
        }
      }
    }
  };
  visit(definitions[name]);
  return seen;
}

/** @param options more ajv options, e.g. `inlineRefs: false` for the chart values (see ownFunctions) */
function newAjv(options = {}) {
  // allErrors: synth reports every problem of an object at once, not the first.
  return new Ajv({ allErrors: true, strict: false, validateFormats: false, code: { source: true, lines: false }, ...options });
}

/**
 * Schemas (`roots`) with each of their maps but the top ones moved into a schema of their own (`maps`,
 * with the id `mapsId`) and referenced, one definition per distinct map, so that ajv, not inlining
 * references, compiles each map's checks into a function of its own, once for every place it occurs
 * (an image, resources, a security context; the SparkApplication CRD's pod fields, for the driver and
 * the executor of both of its kinds). V8 compiles a function only when it first runs and keeps in its
 * code cache only the functions that ran, so a synth loads the code of the maps its objects and values
 * have instead of the whole schema's: kube-prometheus-stack's values.yaml alone has thousands of keys.
 * The top maps' schemas, which ajv's code keeps as constants, do not hold the others. The checks and
 * their errors are the same.
 */
function ownFunctions(roots, mapsId) {
  const definitions = {};
  const names = new Map();
  const visit = (s, top) => {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) {
      return s;
    }
    const out = { ...s };
    if (s.properties) {
      out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, visit(v, false)]));
    }
    if (s.items && !Array.isArray(s.items)) {
      out.items = visit(s.items, false);
    }
    if (s.additionalProperties && typeof s.additionalProperties === 'object') {
      out.additionalProperties = visit(s.additionalProperties, false);
    }
    if (top || !s.properties) {
      return out;
    }
    const key = JSON.stringify(out);
    let name = names.get(key);
    if (name === undefined) {
      name = `m${names.size}`;
      names.set(key, name);
      definitions[name] = out;
    }
    return { $ref: `${mapsId}#/definitions/${name}` };
  };
  return { roots: roots.map((r) => visit(r, true)), maps: { $id: mapsId, definitions } };
}

const HEADER = '// Generated by scripts/compile-validators.js from the files in upstream/; do not edit.\n';

function writeModule(out, file, ajv, refs) {
  fs.writeFileSync(path.join(out, file), HEADER + standaloneCode(ajv, refs));
}

function compileKubernetes(out, entries) {
  const { definitions, kinds } = kubernetesDefinitions();
  const podSpec = 'io.k8s.api.core.v1.PodSpec';
  // Kinds that embed a pod template share one module, compiled once; every other kind has its own,
  // so that synth loads the code of the kinds it meets and no more.
  const modules = new Map();
  for (const k of kinds) {
    const file = closure(definitions, k.definition).has(podSpec)
      ? 'kubernetes-workloads.js'
      : `kubernetes-${k.apiVersion.replace(/\//g, '-')}-${k.kind}.js`.toLowerCase();
    modules.set(file, [...(modules.get(file) ?? []), k]);
  }
  for (const [file, members] of [...modules].sort(([a], [b]) => a.localeCompare(b))) {
    const ajv = newAjv();
    ajv.addSchema({ $id: 'k8s', definitions });
    const refs = {};
    for (const k of members) {
      const name = exportName(k.apiVersion, k.kind);
      refs[name] = `k8s#/definitions/${k.definition}`;
      entries.push({ apiVersion: k.apiVersion, kind: k.kind, file, name, source: `the ${k.kind} schema of Kubernetes 1.31` });
    }
    writeModule(out, file, ajv, refs);
  }
}

function compileCrds(out, entries, objectMeta) {
  for (const [module, files] of Object.entries(CRDS)) {
    const schemas = [];
    for (const file of files) {
      const crd = parse(fs.readFileSync(path.join(UPSTREAM, file), 'utf8'));
      for (const version of crd.spec.versions.filter((v) => v.served !== false)) {
        const schema = jsonSchema(version.schema.openAPIV3Schema);
        // Metadata is checked as the API server checks it for every kind, not as the CRD's stub.
        schema.properties = { ...schema.properties, metadata: { $ref: 'k8s#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' } };
        schemas.push({ apiVersion: `${crd.spec.group}/${version.name}`, kind: crd.spec.names.kind, schema, source: `the ${crd.spec.names.kind} CRD (upstream/${file})` });
      }
    }
    const { roots, maps } = ownFunctions(schemas.map((s) => s.schema), `${module}-maps`);
    const ajv = newAjv({ inlineRefs: false });
    ajv.addSchema({ $id: 'k8s', definitions: objectMeta });
    ajv.addSchema(maps);
    const refs = {};
    schemas.forEach((s, i) => {
      const name = exportName(s.apiVersion, s.kind);
      const id = `crd-${name}`;
      ajv.addSchema({ ...roots[i], $id: id });
      refs[name] = id;
      entries.push({ apiVersion: s.apiVersion, kind: s.kind, file: `${module}.js`, name, source: s.source });
    });
    writeModule(out, `${module}.js`, ajv, refs);
  }
}

/** Whether a values path matches a pattern of CHART_VALUES types ('*' matches one key). */
function pathMatches(pattern, valuePath) {
  const p = pattern.split('.');
  const v = valuePath.split('.');
  if (p[0] === '*') {
    return v.length >= p.length - 1 && p.slice(1).every((part, i) => part === v[v.length - p.length + 1 + i]);
  }
  return p.length === v.length && p.every((part, i) => part === v[i]);
}

function typeSchema(type, k8sDefinitions) {
  if (typeof type === 'object') {
    return type;
  }
  const [kind, ...rest] = type.split(':');
  switch (kind) {
    case 'k8s':
      return rest[0] === 'array'
        ? { type: 'array', items: { $ref: `k8s#/definitions/${rest[1]}` } }
        : { $ref: `k8s#/definitions/${rest[0]}` };
    case 'k8s-map':
      return { type: 'object', additionalProperties: { $ref: `k8s#/definitions/${rest[0]}` } };
    case 'k8s+enabled': {
      const definition = k8sDefinitions[rest[0]];
      if (!definition || !definition.properties) {
        throw new Error(`type ${type}: no Kubernetes definition ${rest[0]} with properties`);
      }
      const properties = Object.fromEntries(Object.keys(definition.properties).map((p) => [p, { $ref: `k8s#/definitions/${rest[0]}/properties/${p}` }]));
      return { type: 'object', additionalProperties: false, properties: { enabled: { type: 'boolean' }, ...properties } };
    }
    case 'open':
      return { type: 'object' };
    case 'array':
      return { type: 'array', items: { type: rest[0] } };
    case 'enum':
      return { enum: rest[0].split(',') };
    case 'integer':
      return { type: 'integer', ...(rest[0] !== undefined ? { minimum: Number(rest[0]) } : {}), ...(rest[1] !== undefined ? { maximum: Number(rest[1]) } : {}) };
    default:
      return { type: kind };
  }
}

/** The schema of a chart's values: each key typed by its default, maps with keys closed, empty maps open. */
function valuesSchema(value, types, valuePath = '', k8sDefinitions = {}) {
  const typed = Object.entries(types).find(([pattern]) => valuePath !== '' && pathMatches(pattern, valuePath));
  if (typed) {
    return typeSchema(typed[1], k8sDefinitions);
  }
  if (value === null || value === undefined) {
    return {};
  }
  if (Array.isArray(value)) {
    return { type: 'array' };
  }
  switch (typeof value) {
    case 'boolean':
      return { type: 'boolean' };
    case 'number':
      return { type: Number.isInteger(value) ? 'integer' : 'number' };
    case 'string':
      return { type: 'string' };
    default: {
      const keys = Object.keys(value);
      if (keys.length === 0) {
        // `{}` in values.yaml is a map the chart hands on unchanged: labels, annotations, ...
        return { type: 'object', additionalProperties: { type: 'string' } };
      }
      return {
        type: 'object',
        additionalProperties: false,
        properties: Object.fromEntries(keys.map((k) => [k, valuesSchema(value[k], types, valuePath ? `${valuePath}.${k}` : k, k8sDefinitions)])),
      };
    }
  }
}

/** The defaults with the commented keys added (as null), so that their types apply. */
function withCommented(defaults, commented, chart) {
  if (commented.length === 0) {
    return defaults;
  }
  const out = JSON.parse(JSON.stringify(defaults));
  for (const keyPath of commented) {
    const keys = keyPath.split('.');
    let at = out;
    for (const key of keys.slice(0, -1)) {
      if (typeof at[key] !== 'object' || at[key] === null) {
        throw new Error(`chart ${chart}: commented key ${keyPath} has no parent map ${key} in values.yaml`);
      }
      at = at[key];
    }
    const last = keys[keys.length - 1];
    if (last in at) {
      throw new Error(`chart ${chart}: commented key ${keyPath} is in values.yaml now: remove it from commented`);
    }
    at[last] = null;
  }
  return out;
}

/** A subchart's defaults with the parent chart's values for it over them, map by map. */
function mergeDefaults(base, over) {
  const isMap = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isMap(base) || !isMap(over)) {
    return over === null || over === undefined ? base : over;
  }
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = mergeDefaults(base[k], v);
  }
  return out;
}

function compileChartValues(out, entries, k8sDefinitions) {
  for (const [chart, { values, subcharts, types, commented = [] }] of Object.entries(CHART_VALUES)) {
    const parsed = parse(fs.readFileSync(path.join(UPSTREAM, values), 'utf8'));
    for (const [key, file] of Object.entries(subcharts ?? {})) {
      parsed[key] = mergeDefaults(parse(fs.readFileSync(path.join(UPSTREAM, file), 'utf8')), parsed[key] ?? {});
    }
    const defaults = withCommented(parsed, commented, chart);
    for (const keyPath of commented) {
      if (!(keyPath in types)) {
        throw new Error(`chart ${chart}: commented key ${keyPath} needs its schema in types`);
      }
    }
    const ajv = newAjv({ inlineRefs: false });
    ajv.addSchema({ $id: 'k8s', definitions: k8sDefinitions });
    const name = `values_${chart.replace(/[^A-Za-z0-9]/g, '_')}`;
    const { roots: [root], maps } = ownFunctions([valuesSchema(defaults, types, '', k8sDefinitions)], `${name}-maps`);
    ajv.addSchema(maps);
    ajv.addSchema({ ...root, $id: name });
    entries.push({ apiVersion: 'helm-values', kind: chart, file: `values-${chart}.js`, name, source: `the values.yaml of chart ${chart} (upstream/${values})` });
    writeModule(out, `values-${chart}.js`, ajv, { [name]: name });
  }
}

function index(entries) {
  const lines = entries
    .sort((a, b) => `${a.apiVersion}/${a.kind}`.localeCompare(`${b.apiVersion}/${b.kind}`))
    .map((e) => `  '${e.apiVersion}/${e.kind}': { source: ${JSON.stringify(e.source)}, load: () => require('./${e.file}').${e.name} },`);
  return `${HEADER.trim()}
// The validators of every kind synth knows, by apiVersion/kind ('helm-values/<chart>' for chart values).
// Each module is required when an object of one of its kinds is first validated.
import type { CompiledValidator } from '../schema';

/* eslint-disable @typescript-eslint/no-require-imports */
export const VALIDATORS: Record<string, { readonly source: string; readonly load: () => CompiledValidator }> = {
${lines.join('\n')}
};
`;
}

/** Compiles every validator into `out`; returns the apiVersion/kind keys it made. */
function compile(out = DEFAULT_OUT) {
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });
  const entries = [];
  compileKubernetes(out, entries);
  const { definitions } = kubernetesDefinitions();
  const metaDefinitions = {};
  for (const name of closure(definitions, 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta')) {
    metaDefinitions[name] = definitions[name];
  }
  compileCrds(out, entries, metaDefinitions);
  compileChartValues(out, entries, definitions);
  fs.writeFileSync(path.join(out, 'index.ts'), index(entries));
  return entries.map((e) => `${e.apiVersion}/${e.kind}`);
}

if (require.main === module) {
  if (!fs.existsSync(UPSTREAM) || fs.readdirSync(UPSTREAM).length === 0) {
    console.error('upstream/ is empty: run npm run upstream:fetch first');
    process.exit(1);
  }
  const started = Date.now();
  const out = process.argv[2] ? path.resolve(process.argv[2]) : DEFAULT_OUT;
  const kinds = compile(out);
  const bytes = fs.readdirSync(out).reduce((n, f) => n + fs.statSync(path.join(out, f)).size, 0);
  console.log(`compiled ${kinds.length} validators into ${path.relative(process.cwd(), out) || '.'}/ (${(bytes / 1e6).toFixed(1)} MB) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

module.exports = { compile, jsonSchema, ownFunctions, valuesSchema };
