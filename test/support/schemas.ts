import Ajv, { ValidateFunction } from 'ajv';
import * as models from 'kubernetes-models';
import { objectSchemaProblems } from '../../lib/core/schema';
import { declareSkippedCrossCheck, readUpstreamYaml, UPSTREAM_FILLED } from './upstream';

/**
 * Validates synthesized objects against the schemas the cluster would use: Kubernetes' own (through
 * kubernetes-models) for built-in kinds, and the upstream CRDs' openAPIV3Schema (through ajv) for
 * the custom resources (SparkApplication, ScheduledSparkApplication, HelmChart, PodMonitor, Queue,
 * and the Flux and Argo CD delivery modes' HelmRelease, HelmRepository and Application). CRD schemas
 * are closed where they list properties, as `kubectl apply`'s strict field validation treats unknown
 * fields.
 */

type ModelClass = { apiVersion: string; kind: string; new (data: unknown): { validate(): void } };

const builtIn = new Map<string, ModelClass>();
function collect(module: unknown): void {
  for (const value of Object.values(module as Record<string, unknown>)) {
    if (typeof value === 'function' && typeof (value as any).apiVersion === 'string' && typeof (value as any).kind === 'string') {
      const model = value as unknown as ModelClass;
      builtIn.set(`${model.apiVersion}/${model.kind}`, model);
    } else if (typeof value === 'object' && value !== null) {
      collect(value);
    }
  }
}
collect(models);

const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
const crdValidators = new Map<string, ValidateFunction>();

function closeObjects(schema: any): any {
  if (Array.isArray(schema)) {
    return schema.map(closeObjects);
  }
  if (typeof schema !== 'object' || schema === null) {
    return schema;
  }
  const out: any = {};
  for (const [k, v] of Object.entries(schema)) {
    out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, closeObjects(s)])) : closeObjects(v);
  }
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  return out;
}

/** Compiles a CRD (path parts under upstream/) so that its objects are validated. */
function registerCrd(...parts: string[]): void {
  const crd = readUpstreamYaml(...parts);
  for (const version of crd.spec.versions) {
    const schema = closeObjects(version.schema.openAPIV3Schema);
    schema.properties.metadata = { type: 'object' };
    crdValidators.set(`${crd.spec.group}/${version.name}/${crd.spec.names.kind}`, ajv.compile(schema));
  }
}

/** The CRDs whose objects are checked, each compiled when an object of its kind is first checked. */
const CRDS: Record<string, string[]> = {
  'sparkoperator.k8s.io/v1beta2/SparkApplication': ['spark-operator-2.3.0', 'sparkoperator.k8s.io_sparkapplications.yaml'],
  'helm.cattle.io/v1/HelmChart': ['k3s-helm-controller', 'helm.cattle.io_helmcharts.yaml'],
  'monitoring.coreos.com/v1/PodMonitor': ['kube-prometheus-stack', 'crd-podmonitors.yaml'],
  'helm.toolkit.fluxcd.io/v2/HelmRelease': ['flux', 'helm.toolkit.fluxcd.io_helmreleases.yaml'],
  'source.toolkit.fluxcd.io/v1/HelmRepository': ['flux', 'source.toolkit.fluxcd.io_helmrepositories.yaml'],
  'argoproj.io/v1alpha1/Application': ['argo-cd', 'application-crd.yaml'],
  'scheduling.volcano.sh/v1beta1/Queue': ['volcano', 'scheduling.volcano.sh_queues.yaml'],
  'sparkoperator.k8s.io/v1beta2/ScheduledSparkApplication': ['spark-operator-2.3.0', 'sparkoperator.k8s.io_scheduledsparkapplications.yaml'],
};

// Without upstream/, custom resources are checked against the committed validators that synth uses
// (compiled from the same CRDs), and the independent check against the CRDs themselves is skipped.
declareSkippedCrossCheck("custom resources are valid against their upstream CRD's openAPIV3Schema, compiled by the tests (test/support/schemas.ts)");

/** Returns the schema errors of one object, empty when it is valid; an unknown kind is an error. */
export function schemaErrors(doc: any): string[] {
  const key = `${doc.apiVersion}/${doc.kind}`;
  if (CRDS[key] && !UPSTREAM_FILLED) {
    return objectSchemaProblems(doc).map((p) => `${key} ${doc.metadata?.name}: ${p}`);
  }
  if (CRDS[key] && !crdValidators.has(key)) {
    registerCrd(...CRDS[key]);
  }
  const crd = crdValidators.get(key);
  if (crd) {
    return crd(doc) ? [] : (crd.errors ?? []).map((e) => `${key} ${doc.metadata?.name}: ${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
  }
  const model = builtIn.get(key);
  if (!model) {
    return [`${key}: no schema known for this kind`];
  }
  try {
    new model(doc).validate();
    return [];
  } catch (e) {
    return [`${key} ${doc.metadata?.name}: ${(e as Error).message}`];
  }
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Returns the RFC 1123 problems of an object's name and namespace (labels for namespaces, subdomains otherwise). */
export function nameErrors(doc: any): string[] {
  const errors: string[] = [];
  const name: string = doc.metadata?.name ?? '';
  const labelKinds = ['Namespace', 'Service', 'SparkApplication'];
  const ok = labelKinds.includes(doc.kind) ? name.length <= 63 && DNS_LABEL.test(name) : DNS_SUBDOMAIN.test(name);
  if (!ok) {
    errors.push(`${doc.kind} "${name}" is not a valid RFC 1123 ${labelKinds.includes(doc.kind) ? 'label' : 'subdomain'}`);
  }
  const ns = doc.metadata?.namespace;
  if (ns !== undefined && !(ns.length <= 63 && DNS_LABEL.test(ns))) {
    errors.push(`${doc.kind} "${name}" has an invalid namespace "${ns}"`);
  }
  return errors;
}
