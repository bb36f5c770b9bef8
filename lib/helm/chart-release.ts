import * as crypto from 'crypto';
import { ApiObject, Lazy } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { Application } from '../../imports/argocd-argoproj.io';
import {
  HelmRelease,
  HelmReleaseProps,
  HelmReleaseSpecChartSpecSourceRefKind,
  HelmReleaseSpecInstallCrds,
  HelmReleaseSpecUpgradeCrds,
} from '../../imports/flux-helm.toolkit.fluxcd.io';
import { HelmRepository } from '../../imports/flux-source.toolkit.fluxcd.io';
import { HelmChart } from '../../imports/helm.cattle.io';
import { registerAppChecks } from '../core/app';
import { ApplyWait, declareApplySteps } from '../core/apply-plan';
import { ChartDelivery, chartDeliveryOf } from '../core/delivery';
import { DELIVERY_NAMESPACES, dnsLabelProblem } from '../core/names';
import { Problems } from '../core/problems';
import { chartValuesProblems } from '../core/schema';
import { valuesYaml } from '../core/yaml';
import { workloadValuesProblems } from './workload-values';

export interface ChartReleaseProps {
  /** The chart's name in its repository, for example `seaweedfs`. */
  readonly chart: string;
  /** The chart repository's URL, for example `https://seaweedfs.github.io/seaweedfs/helm`. */
  readonly repo: string;
  /** The pinned chart version, for example `4.44.0`. */
  readonly version: string;
  /** The Helm release name, a DNS label of at most 53 characters. */
  readonly releaseName: string;
  /**
   * The namespace the chart's objects are installed into. Every delivery mode creates it when it
   * does not exist.
   */
  readonly namespace: string;
  /**
   * Namespace of the HelmChart object, where the k3s helm controller runs the install Job. Used by
   * the k3s HelmChart delivery only; Flux objects live in `flux-system`, Argo CD's in `argocd`.
   * @default 'kube-system'
   */
  readonly helmChartNamespace?: string;
  /**
   * The values, produced when the app is synthesized, so that constructs declared later can still
   * add to them.
   */
  readonly values: () => Record<string, unknown>;
  /**
   * The chart whose values schema (compiled by scripts/compile-validators.js from the pinned
   * values.yaml) checks the values at synth, by name, for example `seaweedfs`.
   * @default - the values are not checked against a schema
   */
  readonly valuesSchema?: string;
  /**
   * The chart version whose values the platform knows (the pinned values.yaml its schema and
   * defaults come from); another `version` fails synth, since its values may differ.
   * @default - any version
   */
  readonly valuesVersion?: string;
}

/**
 * How often a failed chart install is retried before the release shows as failed: the k3s install
 * Job's backOffLimit, Flux's install and upgrade remediation retries, Argo CD's sync retry limit.
 */
export const CHART_INSTALL_RETRIES = 6;
/** The namespace of the Flux objects: the namespace `flux bootstrap` and `flux install` create. */
export const FLUX_NAMESPACE = DELIVERY_NAMESPACES[ChartDelivery.FLUX]!;
/** How often Flux reconciles a HelmRelease (and re-applies it if it drifted or failed). */
export const FLUX_RELEASE_INTERVAL = '10m';
/** How often Flux fetches a chart repository's index; the versions are pinned, so seldom is enough. */
export const FLUX_REPOSITORY_INTERVAL = '1h';
/** The annotation that orders an Argo CD Application among the others a parent Application syncs. */
export const ARGO_CD_SYNC_WAVE = 'argocd.argoproj.io/sync-wave';
/** The namespace of the Argo CD Applications: the one Argo CD's install manifests use. */
export const ARGO_CD_NAMESPACE = DELIVERY_NAMESPACES[ChartDelivery.ARGO_CD]!;
/** The Argo CD project of the Applications. */
export const ARGO_CD_PROJECT = 'default';
/** The cluster Argo CD runs in, as Argo CD names it. */
export const ARGO_CD_IN_CLUSTER = 'https://kubernetes.default.svc';
/**
 * Argo CD sync options of every Application: the release's namespace is created when missing, and
 * objects are applied server-side, because the operator's CRDs (SparkApplication ~800 KB) are larger
 * than the 256 KiB annotation a client-side apply records; fields a controller sets at run time
 * (see ARGO_CD_IGNORED_DIFFERENCES) are left to it.
 */
export const ARGO_CD_SYNC_OPTIONS = ['CreateNamespace=true', 'ServerSideApply=true', 'RespectIgnoreDifferences=true'];
/**
 * Fields that controllers of the charts write at run time and Argo CD must not reset: the Spark
 * operator (like most charts with webhooks) injects its webhook's CA bundle after install.
 */
export const ARGO_CD_IGNORED_DIFFERENCES = ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'].map((kind) => ({
  group: 'admissionregistration.k8s.io',
  kind,
  jqPathExpressions: ['.webhooks[]?.clientConfig.caBundle'],
}));

/** A Helm release name: a DNS label of at most 53 characters (Helm's own limit). */
const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/**
 * A pinned Helm chart released into the cluster. Every chart of the platform is released through
 * it, in the app's delivery mode (`PlatformApp`'s `chartDelivery`):
 *
 * - k3s HelmChart (default): a `HelmChart` object, which the helm controller built into k3s
 *   installs, so that `kubectl apply` installs the chart with no helm binary; the values go into
 *   `valuesContent`.
 * - Flux: a `HelmRelease` in `flux-system`, and a `HelmRepository` per chart repository URL, shared
 *   by every release of the app from that repository; the values go into `spec.values`.
 * - Argo CD: an `Application` in `argocd` with a Helm source; the values go into `valuesObject`.
 *
 * Each mode installs the chart's CRDs and keeps them upgraded, creates the release's namespace when
 * missing, and retries a failed install CHART_INSTALL_RETRIES times. The values are rendered when
 * the app is synthesized, the same in every mode, and checked against the chart's values schema.
 * (They come from `values` only: a JSON patch of the rendered values is overwritten.)
 *
 * @see https://docs.k3s.io/helm
 * @see https://fluxcd.io/flux/components/helm/helmreleases/
 * @see https://argo-cd.readthedocs.io/en/stable/user-guide/helm/
 */
export class ChartRelease extends Construct {
  /** The release name. */
  public readonly releaseName: string;
  /** The namespace the chart installs into. */
  public readonly namespaceName: string;
  /** The chart version. */
  public readonly version: string;
  /** How the release reaches the cluster. */
  public readonly delivery: ChartDelivery;
  /** The object that releases the chart: the HelmChart, the HelmRelease or the Application. */
  public readonly resource: ApiObject;
  /** The HelmChart object (k3s HelmChart delivery), else undefined. */
  public readonly helmChart?: HelmChart;
  /** The HelmRelease (Flux delivery), else undefined. */
  public readonly helmRelease?: HelmRelease;
  /** The HelmRepository the HelmRelease installs from, shared with the app's other releases from the same URL (Flux delivery), else undefined. */
  public readonly helmRepository?: HelmRepository;
  /** The Application (Argo CD delivery), else undefined. */
  public readonly application?: Application;
  /** The chart repository's URL, as its HelmRepository serves it (see helmRepositoryFor). */
  public readonly repositoryUrl: string;
  private readonly props: ChartReleaseProps;
  private readonly dependencies: ChartRelease[] = [];

  constructor(scope: Construct, id: string, props: ChartReleaseProps) {
    super(scope, id);
    registerAppChecks(this);
    const problems = new Problems(this);
    this.props = props;
    this.releaseName = props.releaseName;
    this.namespaceName = props.namespace;
    this.version = props.version;
    this.delivery = chartDeliveryOf(this, (p) => problems.add(p));
    this.repositoryUrl = repositoryUrl(props.repo);
    const helmChartNamespace = props.helmChartNamespace ?? 'kube-system';

    if (props.releaseName.length > 53 || !RELEASE_NAME.test(props.releaseName)) {
      problems.add(`releaseName "${props.releaseName}" is not a valid Helm release name: use at most 53 lower-case letters, digits and "-", starting and ending with a letter or digit, for example "${props.chart}"`);
    }
    if (!SEMVER.test(props.version)) {
      problems.add(`version "${props.version}" is not a chart version: pin the chart's semantic version, for example "${props.valuesVersion ?? '1.2.3'}"`);
    }
    problems.add(dnsLabelProblem(props.namespace, 'namespace'));
    problems.add(dnsLabelProblem(helmChartNamespace, 'helmChartNamespace'));

    switch (this.delivery) {
      case ChartDelivery.FLUX:
        this.helmRepository = helmRepositoryFor(this, props.repo);
        this.helmRelease = new FluxHelmRelease(this, 'Resource', () => this.values, {
          metadata: { name: this.releaseName, namespace: FLUX_NAMESPACE },
          spec: {
            interval: FLUX_RELEASE_INTERVAL,
            releaseName: this.releaseName,
            targetNamespace: props.namespace,
            // Helm keeps the release's history in the release's namespace, as the helm CLI and k3s do.
            storageNamespace: props.namespace,
            chart: {
              spec: {
                chart: props.chart,
                version: props.version,
                sourceRef: { kind: HelmReleaseSpecChartSpecSourceRefKind.HELM_REPOSITORY, name: this.helmRepository.name, namespace: FLUX_NAMESPACE },
              },
            },
            // Flux only creates chart CRDs by default and never upgrades them.
            install: { createNamespace: true, crds: HelmReleaseSpecInstallCrds.CREATE_REPLACE, remediation: { retries: CHART_INSTALL_RETRIES } },
            // Flux installs this release only once the releases it depends on are ready.
            dependsOn: Lazy.any({ produce: () => (this.dependencies.length > 0 ? this.dependencies.map((d) => ({ name: d.releaseName, namespace: FLUX_NAMESPACE })) : undefined) }),
            upgrade: { crds: HelmReleaseSpecUpgradeCrds.CREATE_REPLACE, remediation: { retries: CHART_INSTALL_RETRIES } },
          },
        });
        this.resource = this.helmRelease;
        break;
      case ChartDelivery.ARGO_CD:
        this.application = new ArgoCdApplication(this, 'Resource', () => this.values, () => this.syncWave, {
          // Deleting the Application uninstalls the chart, as deleting a HelmChart or HelmRelease does.
          metadata: { name: this.releaseName, namespace: ARGO_CD_NAMESPACE, finalizers: ['resources-finalizer.argocd.argoproj.io'] },
          spec: {
            project: ARGO_CD_PROJECT,
            source: { repoUrl: props.repo, chart: props.chart, targetRevision: props.version, helm: { releaseName: this.releaseName } },
            destination: { server: ARGO_CD_IN_CLUSTER, namespace: props.namespace },
            syncPolicy: {
              automated: { prune: true, selfHeal: true },
              syncOptions: ARGO_CD_SYNC_OPTIONS,
              retry: { limit: CHART_INSTALL_RETRIES, backoff: { duration: '10s', factor: 2, maxDuration: '3m' } },
            },
            ignoreDifferences: ARGO_CD_IGNORED_DIFFERENCES,
          },
        });
        this.resource = this.application;
        break;
      default:
        this.helmChart = new HelmChart(this, 'Resource', {
          metadata: { name: this.releaseName, namespace: helmChartNamespace },
          spec: {
            chart: props.chart,
            repo: props.repo,
            version: props.version,
            targetNamespace: props.namespace,
            // Helm's --create-namespace, when no object of the app creates the namespace.
            createNamespace: Lazy.any({ produce: () => (appCreatesNamespace(this, props.namespace) ? undefined : true) }),
            // k3s retries a failed install up to 1000 times by default, so a broken release would never
            // show as failed; a few retries cover a dependency (a CRD) that arrives a little later.
            backOffLimit: CHART_INSTALL_RETRIES,
            // Sorted keys, and no anchors and aliases: values may share objects (a security context used
            // twice), and sorted keys would put an alias before its anchor (HELM_VALUES_OPTIONS).
            valuesContent: Lazy.any({ produce: () => valuesYaml(this.values) }),
          },
        });
        this.resource = this.helmChart;
    }
    declareApplySteps(this, { release: this.installWait() });
    if (props.valuesVersion !== undefined && SEMVER.test(props.version) && props.version !== props.valuesVersion) {
      problems.add(`version "${props.version}" is not the version of chart ${props.chart} whose values the platform checks and sets (${props.valuesVersion}), and another version's values may differ: use version "${props.valuesVersion}"`);
    }
    const schema = props.valuesSchema;
    this.node.addValidation({ validate: () => [...(schema !== undefined ? chartValuesProblems(schema, this.values, 'values') : []), ...workloadValuesProblems(this.values, 'values')] });
    this.node.addValidation({ validate: () => this.dependencyProblems() });
  }

  /**
   * Installs this release only after `release`, for example a chart that renders objects of a CRD
   * that the other chart installs. Flux: `spec.dependsOn` (Flux waits until the other HelmRelease
   * is ready). Argo CD: the `argocd.argoproj.io/sync-wave` annotation, one wave after the latest of
   * its dependencies; waves order Applications that one parent Application syncs (app of apps), and
   * Argo CD waits for a wave to be healthy only where the Application health check is enabled;
   * applied with kubectl, the Applications rely on their sync retries. The k3s HelmChart: the
   * order of the files in dist/ (the charts' ids).
   */
  public addDependency(release: ChartRelease): void {
    if (!this.dependencies.includes(release)) {
      this.dependencies.push(release);
    }
  }

  /** The releases this one is installed after. */
  public get dependsOn(): readonly ChartRelease[] {
    return [...this.dependencies];
  }

  /** 0 for a release without dependencies, else one more than the latest of its dependencies. */
  public get syncWave(): number {
    return releaseWave(this, []);
  }

  /**
   * What `npm run cluster:apply` waits for after applying the release: k3s's helm controller installs a
   * HelmChart with the Job helm-install-<name> in the HelmChart's namespace; Flux says a HelmRelease is
   * Ready; Argo CD finds everything an Application synced Healthy.
   */
  private installWait(): ApplyWait {
    const namespace = this.resource.metadata.namespace!;
    const name = this.resource.name;
    if (this.helmRelease !== undefined) {
      return { type: 'condition', resource: 'helmreleases.helm.toolkit.fluxcd.io', namespace, name, condition: 'Ready', timeout: 'HELM_JOB_TIMEOUT' };
    }
    if (this.application !== undefined) {
      return { type: 'condition', resource: 'applications.argoproj.io', namespace, name, condition: 'jsonpath={.status.health.status}=Healthy', timeout: 'HELM_JOB_TIMEOUT' };
    }
    return {
      type: 'job',
      namespace,
      name: `helm-install-${name}`,
      timeout: 'HELM_JOB_TIMEOUT',
      what: `installs HelmChart ${namespace}/${name}`,
      failed: 'the chart install failed',
      absentHint: `hint: k3s's helm controller creates it; check: kubectl get helmchart -n ${namespace} ${name} -o yaml`,
    };
  }

  /** The values as rendered into the release. */
  public get values(): Record<string, unknown> {
    return this.props.values();
  }

  private dependencyProblems(): string[] {
    const path = dependencyCycle(this, []);
    return path === undefined ? [] : [`release ${this.releaseName} depends on itself (${path.map((r) => r.releaseName).join(' -> ')}): Flux and Argo CD would wait for ever; remove one of these addDependency calls`];
  }
}

/** The first dependency cycle through `release`, as the list of releases, or undefined. */
function dependencyCycle(release: ChartRelease, path: readonly ChartRelease[]): ChartRelease[] | undefined {
  if (path.includes(release)) {
    return path[0] === release ? [...path, release] : undefined;
  }
  for (const d of release.dependsOn) {
    const cycle = dependencyCycle(d, [...path, release]);
    if (cycle !== undefined) {
      return cycle;
    }
  }
  return undefined;
}

function releaseWave(release: ChartRelease, path: readonly ChartRelease[]): number {
  // A cycle is reported by dependencyProblems; stop counting where it closes.
  const deps = release.dependsOn.filter((d) => !path.includes(d) && d !== release);
  return deps.length === 0 ? 0 : 1 + Math.max(...deps.map((d) => releaseWave(d, [...path, release])));
}

/**
 * A HelmRelease whose `spec.values` are the release's values as they are: cdk8s drops null values
 * from what it renders, but in Helm values null removes a chart default.
 */
class FluxHelmRelease extends HelmRelease {
  constructor(scope: Construct, id: string, private readonly valuesOf: () => Record<string, unknown>, props: HelmReleaseProps) {
    super(scope, id, props);
  }

  public override toJson(): any {
    const json = super.toJson();
    return { ...json, spec: sortedKeys({ ...json.spec, values: canonicalValues(this.valuesOf()) }) };
  }
}

/** An Application whose Helm `valuesObject` holds the release's values as they are (see FluxHelmRelease). */
class ArgoCdApplication extends Application {
  constructor(scope: Construct, id: string, private readonly valuesOf: () => Record<string, unknown>, private readonly waveOf: () => number, props: ConstructorParameters<typeof Application>[2]) {
    super(scope, id, props);
  }

  public override toJson(): any {
    const json = super.toJson();
    const source = json.spec.source;
    const helm = sortedKeys({ ...source.helm, valuesObject: canonicalValues(this.valuesOf()) });
    const wave = this.waveOf();
    const metadata = wave === 0 ? json.metadata : { ...json.metadata, annotations: { ...json.metadata.annotations, [ARGO_CD_SYNC_WAVE]: String(wave) } };
    return { ...json, metadata, spec: { ...json.spec, source: { ...source, helm } } };
  }
}

/** Values as YAML would carry them: keys sorted, undefined dropped, null kept. */
function canonicalValues(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map((v) => (v === undefined ? null : canonicalValues(v)));
  }
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.keys(value).sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => [k, canonicalValues((value as Record<string, unknown>)[k])]));
  }
  return value;
}

function sortedKeys(object: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.keys(object).sort().map((k) => [k, object[k]]));
}

/** Whether an object of the app creates the namespace. */
function appCreatesNamespace(scope: IConstruct, namespace: string): boolean {
  return scope.node.root.node.findAll().some((c) => c instanceof ApiObject && c.kind === 'Namespace' && c.apiVersion === 'v1' && c.name === namespace);
}

/**
 * The app's Flux HelmRepository for a chart repository URL: made, under the first release that
 * needs it, once per URL (a trailing "/" makes no other URL), and named after the URL's host and
 * path, for example kubeflow-github-io-spark-operator. The repositories already made are those of
 * the app's other releases, found by walking the app's tree: the app holds them, nothing else does.
 */
function helmRepositoryFor(release: ChartRelease, repo: string): HelmRepository {
  const url = repositoryUrl(repo);
  const repositories = new Map<string, HelmRepository>();
  for (const other of release.node.root.node.findAll()) {
    if (other instanceof ChartRelease && other.helmRepository !== undefined) {
      repositories.set(other.repositoryUrl, other.helmRepository);
    }
  }
  const existing = repositories.get(url);
  if (existing !== undefined) {
    return existing;
  }
  const taken = new Set([...repositories.values()].map((r) => r.name));
  let name = url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  if (name.length === 0 || name.length > 63 || taken.has(name)) {
    const hash = crypto.createHash('sha256').update(url).digest('hex').slice(0, 8);
    const stem = name.slice(0, 54).replace(/-+$/, '');
    name = `${stem.length > 0 ? stem : 'charts'}-${hash}`;
  }
  return new HelmRepository(release, 'HelmRepository', {
    metadata: { name, namespace: FLUX_NAMESPACE },
    spec: { url, interval: FLUX_REPOSITORY_INTERVAL },
  });
}

/** A chart repository URL as one HelmRepository serves it: without trailing "/". */
function repositoryUrl(repo: string): string {
  return repo.replace(/\/+$/, '');
}

/** Merges `override` into `base`, maps key by key, everything else replaced. */
export function deepMerge(base: object, override: object): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isObject(current) && isObject(value) ? deepMerge(current, value) : value;
  }
  return out;
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
