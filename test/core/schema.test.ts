import * as fs from 'fs';
import * as path from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { chartValuesProblems, hasSchema, KUBERNETES_SCHEMA_VERSION, objectSchemaProblems } from '../../lib/core/schema';
import { describeWithUpstream, readUpstreamYaml, UPSTREAM } from '../support/upstream';

/**
 * Schema-true synth: every object is checked against the schema the cluster uses for it (the
 * built-in kinds of Kubernetes 1.31, the pinned CRDs), strictly, and chart values against the
 * chart's values.yaml, with messages that name the field path, the value and the fix.
 */

/**
 * A deep copy of `object` with the value at a path set, or removed when `value` is undefined: a
 * dotted path (numbers index lists), or its parts when a key has a dot.
 */
function changed(object: any, at: string | string[], value: unknown): any {
  const copy = structuredClone(object);
  const parts = typeof at === 'string' ? at.split('.') : at;
  let parent = copy;
  for (const part of parts.slice(0, -1)) {
    parent[part] ??= {};
    parent = parent[part];
  }
  const last = parts[parts.length - 1];
  if (value === undefined) {
    delete parent[last];
  } else {
    parent[last] = value;
  }
  return copy;
}

const K8S = `the %s schema of Kubernetes ${KUBERNETES_SCHEMA_VERSION}`;
const UNKNOWN_FIELD = "so the API server's strict field validation rejects it: remove it or correct its name";
const QUANTITY_FIX = 'use a number with an optional suffix, for example "500m", "2" or "8Gi"';

// Built-in objects the API server accepts, as the starting point of each case.
const configMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'team-alpha', labels: { app: 'etl' } }, data: { mode: 'batch' } };
const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'history', namespace: 'team-alpha' },
  spec: {
    replicas: 1,
    selector: { matchLabels: { app: 'history' } },
    template: {
      metadata: { labels: { app: 'history' } },
      spec: {
        containers: [{
          name: 'server',
          image: 'apache/spark:4.0.0',
          ports: [{ containerPort: 18080, name: 'http' }],
          resources: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: 1, memory: '1Gi' } },
        }],
      },
    },
  },
};
const service = {
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'history', namespace: 'team-alpha' },
  spec: { selector: { app: 'history' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }] },
};
const quota = {
  apiVersion: 'v1',
  kind: 'ResourceQuota',
  metadata: { name: 'compute', namespace: 'team-alpha' },
  spec: { hard: { 'requests.cpu': '4', 'limits.cpu': 8, 'requests.memory': '8Gi', 'limits.memory': '16Gi', 'pods': 10 } },
};
const limitRange = {
  apiVersion: 'v1',
  kind: 'LimitRange',
  metadata: { name: 'defaults', namespace: 'team-alpha' },
  spec: { limits: [{ type: 'Container', default: { cpu: '1', memory: '1Gi' }, defaultRequest: { cpu: '250m', memory: '512Mi' } }] },
};
const disruptionBudget = {
  apiVersion: 'policy/v1',
  kind: 'PodDisruptionBudget',
  metadata: { name: 'webhook', namespace: 'spark-operator' },
  spec: { minAvailable: 1, selector: { matchLabels: { app: 'webhook' } } },
};

// Custom resources nobody on the team wrote: the upstream examples, and minimal objects of each pinned CRD.
const sparkPi = readUpstreamYaml('spark-operator-2.3.0', 'spark-pi.yaml');
const scheduledSparkPi = readUpstreamYaml('spark-operator-2.3.0', 'spark-pi-scheduled.yaml');
const helmChart = readUpstreamYaml('k3s-helm-controller', 'example-helmchart.v0.16.5.yaml');
const podMonitor = {
  apiVersion: 'monitoring.coreos.com/v1',
  kind: 'PodMonitor',
  metadata: { name: 'spark-driver', namespace: 'team-alpha' },
  spec: { selector: { matchLabels: { 'spark-role': 'driver' } }, podMetricsEndpoints: [{ port: 'metrics', interval: '30s', scheme: 'http' }] },
};
const queue = {
  apiVersion: 'scheduling.volcano.sh/v1beta1',
  kind: 'Queue',
  metadata: { name: 'team-alpha' },
  spec: { weight: 1, reclaimable: true, capability: { cpu: '8', memory: '16Gi' } },
};
const helmRepository = {
  apiVersion: 'source.toolkit.fluxcd.io/v1',
  kind: 'HelmRepository',
  metadata: { name: 'spark-operator', namespace: 'flux-system' },
  spec: { interval: '1h', url: 'https://kubeflow.github.io/spark-operator' },
};
const helmRelease = {
  apiVersion: 'helm.toolkit.fluxcd.io/v2',
  kind: 'HelmRelease',
  metadata: { name: 'spark-operator', namespace: 'flux-system' },
  spec: {
    interval: '10m',
    releaseName: 'spark-operator',
    targetNamespace: 'spark-operator',
    chart: { spec: { chart: 'spark-operator', version: '2.3.0', sourceRef: { kind: 'HelmRepository', name: 'spark-operator' } } },
    values: { spark: { jobNamespaces: ['team-alpha'] } },
  },
};
const argoApplication = {
  apiVersion: 'argoproj.io/v1alpha1',
  kind: 'Application',
  metadata: { name: 'spark-platform', namespace: 'argocd' },
  spec: {
    project: 'default',
    source: { repoURL: 'https://example.com/platform.git', targetRevision: 'main', path: 'dist' },
    destination: { server: 'https://kubernetes.default.svc' },
  },
};

describe('objectSchemaProblems: built-in kinds against Kubernetes 1.31, strictly', () => {
  test.each([configMap, deployment, service, quota, limitRange, disruptionBudget])('a valid $kind passes', (object) => {
    expect(objectSchemaProblems(object)).toEqual([]);
  });

  // Each row: an object with one unknown field, and the field path the message must name.
  test.each<[string, any, string]>([
    ['at the top level', changed(configMap, 'spec', { mode: 'batch' }), 'spec'],
    ['in metadata', changed(configMap, 'metadata.label', { app: 'etl' }), 'metadata.label'],
    ['in a container of a pod template', changed(deployment, 'spec.template.spec.containers.0.cpu', '1'), 'spec.template.spec.containers[0].cpu'],
    ['in a list item', changed(service, 'spec.ports.0.protocl', 'TCP'), 'spec.ports[0].protocl'],
    ['in a quota spec', changed(quota, 'spec.limits', {}), 'spec.limits'],
  ])('an unknown field %s is a problem naming its path', (_where, object, field) => {
    // GIVEN an object the API server knows, with a field its schema does not have
    // WHEN it is checked
    const problems = objectSchemaProblems(object);
    // THEN one problem names the field, the schema and the fix
    expect(problems).toEqual([`${field} is not a field of ${K8S.replace('%s', object.kind)}, ${UNKNOWN_FIELD}`]);
  });

  test.each<[string, any, string]>([
    ['a Deployment without a selector', changed(deployment, 'spec.selector', undefined), 'spec.selector'],
    ['a container without a name', changed(deployment, 'spec.template.spec.containers.0.name', undefined), 'spec.template.spec.containers[0].name'],
    ['a LimitRange item without a type', changed(limitRange, 'spec.limits.0.type', undefined), 'spec.limits[0].type'],
    ['a Service port without a port number', changed(service, 'spec.ports.0.port', undefined), 'spec.ports[0].port'],
  ])('%s is missing a required field', (_what, object, field) => {
    expect(objectSchemaProblems(object)).toEqual([`${field} is required by ${K8S.replace('%s', object.kind)}: set it`]);
  });

  test.each<[string, any, string]>([
    ['a number as a ConfigMap value', changed(configMap, 'data.mode', 1), 'data.mode 1 must be a string'],
    ['a number as a label value', changed(configMap, 'metadata.labels.app', 2), 'metadata.labels.app 2 must be a string'],
    ['a string as the replica count', changed(deployment, 'spec.replicas', '3'), 'spec.replicas "3" must be an integer'],
    ['a port name where a port number belongs', changed(deployment, 'spec.template.spec.containers.0.ports.0.containerPort', 'http'), 'spec.template.spec.containers[0].ports[0].containerPort "http" must be an integer'],
    ['a map where a list belongs', changed(service, 'spec.ports', { http: 80 }), 'spec.ports {"http":80} must be an array'],
  ])('%s is a wrong type', (_what, object, start) => {
    const problems = objectSchemaProblems(object);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^${start.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(the ${object.kind} schema of Kubernetes 1\\.31\\): use `));
  });

  describe('quantities', () => {
    test.each<[string, any, string, string]>([
      ['a ResourceQuota', changed(quota, ['spec', 'hard', 'requests.cpu'], '8GB'), 'spec.hard["requests.cpu"]', '8GB'],
      ['a LimitRange default', changed(limitRange, 'spec.limits.0.default.memory', '1 Gi'), 'spec.limits[0].default.memory', '1 Gi'],
      ['container resources', changed(deployment, 'spec.template.spec.containers.0.resources.limits.cpu', '1 core'), 'spec.template.spec.containers[0].resources.limits.cpu', '1 core'],
    ])('a bad quantity string in %s is one problem naming path, value and fix', (_where, object, field, bad) => {
      // GIVEN a valid object with one quantity replaced by a string that is not one
      // WHEN it is checked
      const problems = objectSchemaProblems(object);
      // THEN the quantity is named once (the anyOf of string and number, not each of its branches)
      expect(problems).toEqual([`${field} ${JSON.stringify(bad)} is not a Kubernetes quantity (${K8S.replace('%s', object.kind)}): ${QUANTITY_FIX}`]);
    });

    test.each<unknown>(['500m', '2', 2, 1.5, '8Gi', '512Mi', '1e3', '.5', '1k', '+1'])('%p is a quantity', (value) => {
      expect(objectSchemaProblems(changed(quota, 'spec.hard.pods', value))).toEqual([]);
    });

    test.each<unknown>(['8GB', '1.2.3', '', 'lots', '5x', '1 Gi', '-'])('%p is not a quantity', (value) => {
      expect(objectSchemaProblems(changed(quota, 'spec.hard.pods', value))).toEqual([
        `spec.hard.pods ${JSON.stringify(value)} is not a Kubernetes quantity (${K8S.replace('%s', 'ResourceQuota')}): ${QUANTITY_FIX}`,
      ]);
    });

    test('a value that is neither a string nor a number is named once, with the types allowed', () => {
      expect(objectSchemaProblems(changed(quota, 'spec.hard.pods', true))).toEqual([
        `spec.hard.pods true must be string or number (${K8S.replace('%s', 'ResourceQuota')}): use a value of one of those types`,
      ]);
    });
  });

  describe('int-or-string fields', () => {
    test.each<[string, any]>([
      ['a Service targetPort as a number', changed(service, 'spec.ports.0.targetPort', 8080)],
      ['a Service targetPort as a port name', changed(service, 'spec.ports.0.targetPort', 'http')],
      ['a PodDisruptionBudget minAvailable as a count', changed(disruptionBudget, 'spec.minAvailable', 1)],
      ['a PodDisruptionBudget minAvailable as a percentage', changed(disruptionBudget, 'spec.minAvailable', '50%')],
    ])('accept %s', (_what, object) => {
      expect(objectSchemaProblems(object)).toEqual([]);
    });

    test.each<[string, unknown]>([['a boolean', true], ['a fraction', 1.5], ['a list', [80]]])('reject %s with one message', (_what, value) => {
      expect(objectSchemaProblems(changed(service, 'spec.ports.0.targetPort', value))).toEqual([
        `spec.ports[0].targetPort ${JSON.stringify(value)} must be integer or string (${K8S.replace('%s', 'Service')}): use a value of one of those types`,
      ]);
    });
  });

  describe('API versions and kinds', () => {
    test.each<[string, string, string]>([
      ['batch/v1beta1', 'CronJob', 'batch/v1'],
      ['networking.k8s.io/v1beta1', 'Ingress', 'networking.k8s.io/v1'],
      ['autoscaling/v2beta2', 'HorizontalPodAutoscaler', 'autoscaling/v1 or autoscaling/v2'],
      ['flowcontrol.apiserver.k8s.io/v1beta3', 'FlowSchema', 'flowcontrol.apiserver.k8s.io/v1'],
      ['sparkoperator.k8s.io/v1beta1', 'SparkApplication', 'sparkoperator.k8s.io/v1beta2'],
    ])('%s %s, a version the cluster does not serve, names the one to use', (apiVersion, kind, use) => {
      expect(objectSchemaProblems({ apiVersion, kind, metadata: { name: 'x' } })).toEqual([
        `apiVersion ${apiVersion} of ${kind} is not served by Kubernetes 1.31 or the pinned CRDs: use ${use}`,
      ]);
    });

    test.each<[string, string]>([
      ['policy/v1beta1', 'PodSecurityPolicy'],
      ['resource.k8s.io/v1alpha3', 'ResourceClaim'],
      ['storage.k8s.io/v1beta1', 'VolumeAttributesClass'],
    ])('%s %s, an alpha or beta API with no stable version, is a problem that says so', (apiVersion, kind) => {
      // GIVEN a built-in kind that exists only as an alpha or beta API (or no longer exists)
      // THEN the fix is a stable API, not pinning a CRD for a built-in kind
      expect(hasSchema(apiVersion, kind)).toBe(false);
      expect(objectSchemaProblems({ apiVersion, kind, metadata: { name: 'x' } })).toEqual([
        `apiVersion ${apiVersion} of ${kind} is an alpha or beta API, which Kubernetes 1.31 does not serve by default (or no longer serves) and synth has no schema for: use a stable API version of the kind, or, if a CRD serves it, pin the CRD in upstream.lock.json, fetch it (npm run upstream:fetch) and run npm run validators`,
      ]);
    });

    test('a kind with no schema at all is a problem whose fix is pinning its CRD or removing the object', () => {
      expect(objectSchemaProblems({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x' } })).toEqual([
        'kind Widget (example.com/v1) has no schema in Kubernetes 1.31 or in the pinned CRDs, so synth cannot check it and the cluster may not know it: pin its CRD in upstream.lock.json, fetch it (npm run upstream:fetch) and run npm run validators, or remove the object',
      ]);
    });

    test('request and subresource kinds, and lists, are not objects synth writes', () => {
      for (const [apiVersion, kind] of [['authentication.k8s.io/v1', 'TokenReview'], ['v1', 'Binding'], ['v1', 'ConfigMapList'], ['policy/v1', 'Eviction']]) {
        expect(hasSchema(apiVersion, kind)).toBe(false);
      }
      expect(hasSchema('v1', 'ConfigMap')).toBe(true);
    });
  });

  test('reports every problem of an object at once, up to 20, and counts the rest', () => {
    // GIVEN a ConfigMap with 25 unknown fields
    const object: any = structuredClone(configMap);
    for (let i = 1; i <= 25; i++) {
      object[`extra${i}`] = i;
    }
    // WHEN it is checked
    const problems = objectSchemaProblems(object);
    // THEN the first 20 are named and the other 5 counted
    expect(problems).toHaveLength(21);
    expect(problems[0]).toMatch(/^extra1 is not a field of/);
    expect(problems[20]).toBe(`... and 5 more schema problems in ${K8S.replace('%s', 'ConfigMap')}`);
  });
});

describeWithUpstream('objectSchemaProblems: custom resources against the pinned CRD schemas', () => {
  const SPARK_CRD = 'the SparkApplication CRD (upstream/spark-operator-2.3.0/sparkoperator.k8s.io_sparkapplications.yaml)';

  test.each([sparkPi, scheduledSparkPi, helmChart, podMonitor, queue, helmRepository, helmRelease, argoApplication])('a valid $kind ($apiVersion) passes', (object) => {
    expect(hasSchema(object.apiVersion, object.kind)).toBe(true);
    expect(objectSchemaProblems(object)).toEqual([]);
  });

  // Each row: the upstream SparkApplication example with one change, and the one message it must give.
  test.each<[string, string, unknown, string]>([
    ['no executors', 'spec.executor.instances', 0, `spec.executor.instances 0 is below the minimum 1 of ${SPARK_CRD}: use 1 or more`],
    ['a negative executor count', 'spec.executor.instances', -1, `spec.executor.instances -1 is below the minimum 1 of ${SPARK_CRD}: use 1 or more`],
    ['a driver with no cores', 'spec.driver.cores', 0, `spec.driver.cores 0 is below the minimum 1 of ${SPARK_CRD}: use 1 or more`],
    ['fractional executor cores', 'spec.executor.cores', 1.5, `spec.executor.cores 1.5 must be an integer (${SPARK_CRD}): use a whole number`],
    ['an application type outside the enum', 'spec.type', 'Rust', `spec.type "Rust" is not one of "Java", "Python", "Scala", "R" (${SPARK_CRD}): use one of them`],
    ['a restart policy outside the enum', 'spec.restartPolicy.type', 'Sometimes', `spec.restartPolicy.type "Sometimes" is not one of "Never", "Always", "OnFailure" (${SPARK_CRD}): use one of them`],
    ['no main application file', 'spec.mainApplicationFile', undefined, `spec.mainApplicationFile is required by ${SPARK_CRD}: set it`],
    ['an unknown spec field', 'spec.executors', 2, `spec.executors is not a field of ${SPARK_CRD}, ${UNKNOWN_FIELD}`],
    ['an unknown driver field', 'spec.driver.cpu', 1, `spec.driver.cpu is not a field of ${SPARK_CRD}, ${UNKNOWN_FIELD}`],
    ['an unknown metadata field, checked as the API server checks every object', 'metadata.label', { a: 'b' }, `metadata.label is not a field of ${SPARK_CRD}, ${UNKNOWN_FIELD}`],
    ['a bad quantity in the batch scheduler resources', 'spec.batchSchedulerOptions.resources', { cpu: 'lots' }, `spec.batchSchedulerOptions.resources.cpu "lots" is not a Kubernetes quantity (${SPARK_CRD}): ${QUANTITY_FIX}`],
  ])('SparkApplication with %s', (_what, at, value, message) => {
    // GIVEN the upstream spark-pi example with one change
    const object = changed(sparkPi, at, value);
    // WHEN it is checked THEN exactly the one problem is reported
    expect(objectSchemaProblems(object)).toEqual([message]);
  });

  test('a ScheduledSparkApplication template is held to the same minimums', () => {
    const crd = 'the ScheduledSparkApplication CRD (upstream/spark-operator-2.3.0/sparkoperator.k8s.io_scheduledsparkapplications.yaml)';
    expect(objectSchemaProblems(changed(changed(scheduledSparkPi, 'spec.template.executor.instances', 0), 'spec.template.driver.cores', 0))).toEqual([
      `spec.template.driver.cores 0 is below the minimum 1 of ${crd}: use 1 or more`,
      `spec.template.executor.instances 0 is below the minimum 1 of ${crd}: use 1 or more`,
    ]);
    expect(objectSchemaProblems(changed(scheduledSparkPi, 'spec.schedule', undefined))).toEqual([`spec.schedule is required by ${crd}: set it`]);
  });

  test.each<[string, any, string]>([
    ['HelmChart failurePolicy outside the enum', changed(helmChart, 'spec.failurePolicy', 'explode'),
      'spec.failurePolicy "explode" is not one of "abort", "reinstall" (the HelmChart CRD (upstream/k3s-helm-controller/helm.cattle.io_helmcharts.yaml)): use one of them'],
    ['HelmChart backOffLimit as a string', changed(helmChart, 'spec.backOffLimit', '10'),
      'spec.backOffLimit "10" must be an integer (the HelmChart CRD (upstream/k3s-helm-controller/helm.cattle.io_helmcharts.yaml)): use a whole number'],
    ['HelmChart unknown field', changed(helmChart, 'spec.values', {}),
      `spec.values is not a field of the HelmChart CRD (upstream/k3s-helm-controller/helm.cattle.io_helmcharts.yaml), ${UNKNOWN_FIELD}`],
    ['PodMonitor interval not matching the duration pattern', changed(podMonitor, 'spec.podMetricsEndpoints.0.interval', '30 sec'),
      'spec.podMetricsEndpoints[0].interval "30 sec" does not match the pattern ^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$ of the PodMonitor CRD (upstream/kube-prometheus-stack/crd-podmonitors.yaml): correct its format'],
    ['PodMonitor scheme outside the enum', changed(podMonitor, 'spec.podMetricsEndpoints.0.scheme', 'ftp'),
      'spec.podMetricsEndpoints[0].scheme "ftp" is not one of "http", "https", "HTTP", "HTTPS" (the PodMonitor CRD (upstream/kube-prometheus-stack/crd-podmonitors.yaml)): use one of them'],
    ['Volcano Queue weight below its minimum', changed(queue, 'spec.weight', 0),
      'spec.weight 0 is below the minimum 1 of the Queue CRD (upstream/volcano/scheduling.volcano.sh_queues.yaml): use 1 or more'],
    ['Volcano Queue parent not matching the name pattern', changed(queue, 'spec.parent', 'Root_Queue'),
      'spec.parent "Root_Queue" does not match the pattern ^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$ of the Queue CRD (upstream/volcano/scheduling.volcano.sh_queues.yaml): correct its format'],
    ['Volcano Queue capability that is not a quantity', changed(queue, 'spec.capability.memory', '16 GB'),
      `spec.capability.memory "16 GB" is not a Kubernetes quantity (the Queue CRD (upstream/volcano/scheduling.volcano.sh_queues.yaml)): ${QUANTITY_FIX}`],
    ['Volcano Queue capability as a fraction', changed(queue, 'spec.capability.cpu', 1.5),
      'spec.capability.cpu 1.5 must be integer or string (the Queue CRD (upstream/volcano/scheduling.volcano.sh_queues.yaml)): use a value of one of those types'],
    ['Flux HelmRepository URL not matching the pattern', changed(helmRepository, 'spec.url', 'ftp://example.com/charts'),
      'spec.url "ftp://example.com/charts" does not match the pattern ^(http|https|oci)://.*$ of the HelmRepository CRD (upstream/flux/source.toolkit.fluxcd.io_helmrepositories.yaml): correct its format'],
    ['Flux HelmRelease interval not matching the pattern', changed(helmRelease, 'spec.interval', '10 minutes'),
      'spec.interval "10 minutes" does not match the pattern ^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$ of the HelmRelease CRD (upstream/flux/helm.toolkit.fluxcd.io_helmreleases.yaml): correct its format'],
    ['Flux HelmRelease source kind outside the enum', changed(helmRelease, 'spec.chart.spec.sourceRef.kind', 'GitRepo'),
      'spec.chart.spec.sourceRef.kind "GitRepo" is not one of "HelmRepository", "GitRepository", "Bucket" (the HelmRelease CRD (upstream/flux/helm.toolkit.fluxcd.io_helmreleases.yaml)): use one of them'],
    ['Flux HelmRelease release name over its maximum length', changed(helmRelease, 'spec.releaseName', 'r'.repeat(54)),
      `spec.releaseName "${'r'.repeat(54)}" must NOT have more than 53 characters (the HelmRelease CRD (upstream/flux/helm.toolkit.fluxcd.io_helmreleases.yaml)): correct its size`],
    ['Argo CD Application without a project', changed(argoApplication, 'spec.project', undefined),
      'spec.project is required by the Application CRD (upstream/argo-cd/application-crd.yaml): set it'],
    ['Argo CD Application with an unknown source field', changed(argoApplication, 'spec.source.revision', 'main'),
      `spec.source.revision is not a field of the Application CRD (upstream/argo-cd/application-crd.yaml), ${UNKNOWN_FIELD}`],
  ])('%s', (_what, object, message) => {
    expect(objectSchemaProblems(object)).toEqual([message]);
  });

  test('Helm values inside a Flux HelmRelease are free-form, as the CRD leaves them', () => {
    expect(objectSchemaProblems(changed(helmRelease, 'spec.values', { anything: { at: ['all'] } }))).toEqual([]);
  });
});

describeWithUpstream('the upstream example files, objects nobody on the team wrote', () => {
  /** Every Kubernetes object in the pinned YAML files, with the file it comes from. */
  const pinned = fs.readdirSync(UPSTREAM).sort().flatMap((source) =>
    fs.readdirSync(path.join(UPSTREAM, source)).filter((f) => /\.ya?ml$/.test(f)).sort().flatMap((file) =>
      parseAllDocuments(fs.readFileSync(path.join(UPSTREAM, source, file), 'utf8'))
        .map((d) => d.toJS())
        .filter((o) => o !== null && typeof o === 'object' && typeof o.apiVersion === 'string' && typeof o.kind === 'string')
        .map((o): [string, any] => [`${source}/${file}`, o])));

  test('include the spark-operator examples, the k3s example HelmChart and every pinned CRD', () => {
    const files = pinned.map(([file]) => file);
    expect(files).toEqual(expect.arrayContaining([
      'spark-operator-2.3.0/spark-pi.yaml',
      'spark-operator-2.3.0/spark-pi-python.yaml',
      'spark-operator-2.3.0/spark-pi-scheduled.yaml',
      'spark-operator-2.3.0/spark-pi-dynamic-allocation.yaml',
      'spark-operator-2.3.0/spark-pi-prometheus-servlet.yaml',
      'spark-operator-2.3.0/spark-pi-volcano.yaml',
      'k3s-helm-controller/example-helmchart.v0.16.5.yaml',
      'argo-cd/application-crd.yaml',
    ]));
    expect(pinned.filter(([, o]) => o.kind === 'CustomResourceDefinition').length).toBeGreaterThanOrEqual(12);
  });

  test('each passes its schema (the CRDs themselves as apiextensions.k8s.io/v1 objects)', () => {
    // k3d's config file has an apiVersion and kind but is read by the k3d command, never applied.
    const objects = pinned.filter(([, o]) => !o.apiVersion.startsWith('k3d.io/'));
    const problems = objects.flatMap(([file, o]) => objectSchemaProblems(o).map((p) => `${file}: ${p}`));
    expect(problems).toEqual([]);
  });
});

describeWithUpstream('chartValuesProblems for the spark-operator chart', () => {
  const SOURCE = 'the values.yaml of chart spark-operator (upstream/spark-operator-2.3.0/values.yaml)';
  const defaults = parse(fs.readFileSync(path.join(UPSTREAM, 'spark-operator-2.3.0', 'values.yaml'), 'utf8'));

  test("the chart's own values.yaml defaults pass", () => {
    expect(chartValuesProblems('spark-operator', defaults, 'values')).toEqual([]);
  });

  test('values the platform sets pass', () => {
    expect(chartValuesProblems('spark-operator', {
      spark: { jobNamespaces: ['team-alpha', 'team-beta'] },
      controller: { replicas: 1, logLevel: 'info', resources: { requests: { cpu: '100m', memory: '128Mi' } } },
      webhook: { enable: true, replicas: 2, failurePolicy: 'Fail', podDisruptionBudget: { enable: true, minAvailable: 1 } },
    }, 'values')).toEqual([]);
  });

  test.each<[string, unknown, string]>([
    ['an unknown key', { controller: { replica: 2 } },
      `values.controller.replica is not a field of ${SOURCE}, so the chart would silently ignore it: remove it or correct its name`],
    ['a string where the chart has a boolean', { webhook: { enable: 'yes' } },
      `values.webhook.enable "yes" must be a boolean (${SOURCE}): use a value of type boolean`],
    ['a string where the chart has an integer', { controller: { replicas: 'two' } },
      `values.controller.replicas "two" must be an integer (${SOURCE}): use a whole number`],
    ['a non-quantity in controller.resources', { controller: { resources: { limits: { memory: '1 GB' } } } },
      `values.controller.resources.limits.memory "1 GB" is not a Kubernetes quantity (${SOURCE}): ${QUANTITY_FIX}`],
    ['an unknown field in a Kubernetes type', { controller: { resources: { limit: { cpu: '1' } } } },
      `values.controller.resources.limit is not a field of ${SOURCE}, so the chart would silently ignore it: remove it or correct its name`],
    ['a log level outside the allowed ones', { controller: { logLevel: 'trace' } },
      `values.controller.logLevel "trace" is not one of "debug", "info", "error" (${SOURCE}): use one of them`],
    ['a webhook failure policy outside the allowed ones', { webhook: { failurePolicy: 'Retry' } },
      `values.webhook.failurePolicy "Retry" is not one of "Ignore", "Fail" (${SOURCE}): use one of them`],
    ['a webhook timeout above its maximum', { webhook: { timeoutSeconds: 60 } },
      `values.webhook.timeoutSeconds 60 is above the maximum 30 of ${SOURCE}: use 30 or less`],
    ['a negative replica count', { webhook: { replicas: -1 } },
      `values.webhook.replicas -1 is below the minimum 0 of ${SOURCE}: use 0 or more`],
    ['a job namespace that is not a string', { spark: { jobNamespaces: ['team-alpha', 7] } },
      `values.spark.jobNamespaces[1] 7 must be a string (${SOURCE}): use a value of type string`],
  ])('%s is a problem naming the value and the fix', (_what, values, message) => {
    expect(chartValuesProblems('spark-operator', values, 'values')).toEqual([message]);
  });

  test('all problems of the values are reported together', () => {
    expect(chartValuesProblems('spark-operator', { controller: { replicas: 'two', logLevel: 'trace' }, webhook: { enable: 'yes' } }, 'values')).toHaveLength(3);
  });

  test('a chart with no values schema is a programming error that says how to add one', () => {
    expect(() => chartValuesProblems('yunikorn', {}, 'values')).toThrow('no values schema for chart yunikorn: add it to CHART_VALUES in scripts/compile-validators.js and run npm run validators');
  });
});
