import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { stringify } from 'yaml';
import { HelmChart } from '../../imports/helm.cattle.io';
import { registerAppChecks } from '../core/app';
import { dnsLabelProblem } from '../core/names';
import { Problems } from '../core/problems';
import { chartValuesProblems } from '../core/schema';

export interface ChartReleaseProps {
  /** The chart's name in its repository, for example `seaweedfs`. */
  readonly chart: string;
  /** The chart repository's URL, for example `https://seaweedfs.github.io/seaweedfs/helm`. */
  readonly repo: string;
  /** The pinned chart version, for example `4.44.0`. */
  readonly version: string;
  /** The Helm release name, a DNS label of at most 53 characters. */
  readonly releaseName: string;
  /** The namespace the chart's objects are installed into. */
  readonly namespace: string;
  /**
   * Namespace of the HelmChart object, where the k3s helm controller runs the install Job.
   * @default 'kube-system'
   */
  readonly helmChartNamespace?: string;
  /**
   * The values, produced when the app is synthesized, so that constructs declared later can still
   * add to them.
   */
  readonly values: () => Record<string, unknown>;
  /**
   * The chart whose values schema (compiled by scripts/compile-validators.js from the vendored
   * values.yaml) checks the values at synth, by name, for example `seaweedfs`.
   * @default - the values are not checked against a schema
   */
  readonly valuesSchema?: string;
}

/** How often the k3s helm controller retries a failed chart install before its Job fails. */
export const CHART_INSTALL_RETRIES = 6;

/** A Helm release name: a DNS label of at most 53 characters (Helm's own limit). */
const RELEASE_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const SEMVER = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

/**
 * A pinned Helm chart released into the cluster from a `HelmChart` object, which the helm
 * controller built into k3s installs, so that `kubectl apply` installs the chart with no helm binary
 * and no network at synth time. Every chart of the platform is released through it. The values are
 * rendered into `valuesContent` when the app is synthesized and checked against the chart's values
 * schema.
 *
 * @see https://docs.k3s.io/helm
 */
export class ChartRelease extends Construct {
  /** The release name. */
  public readonly releaseName: string;
  /** The namespace the chart installs into. */
  public readonly namespaceName: string;
  /** The chart version. */
  public readonly version: string;
  /** The HelmChart object. */
  public readonly helmChart: HelmChart;
  private readonly props: ChartReleaseProps;

  constructor(scope: Construct, id: string, props: ChartReleaseProps) {
    super(scope, id);
    registerAppChecks(this);
    const problems = new Problems(this);
    this.props = props;
    this.releaseName = props.releaseName;
    this.namespaceName = props.namespace;
    this.version = props.version;
    const helmChartNamespace = props.helmChartNamespace ?? 'kube-system';

    if (props.releaseName.length > 53 || !RELEASE_NAME.test(props.releaseName)) {
      problems.add(`releaseName "${props.releaseName}" is not a valid Helm release name: use at most 53 lower-case letters, digits and "-", starting and ending with a letter or digit, for example "${props.chart}"`);
    }
    if (!SEMVER.test(props.version)) {
      problems.add(`version "${props.version}" is not a chart version: pin the chart's semantic version, for example "1.2.3"`);
    }
    problems.add(dnsLabelProblem(props.namespace, 'namespace'));
    problems.add(dnsLabelProblem(helmChartNamespace, 'helmChartNamespace'));

    this.helmChart = new HelmChart(this, 'Resource', {
      metadata: { name: this.releaseName, namespace: helmChartNamespace },
      spec: {
        chart: props.chart,
        repo: props.repo,
        version: props.version,
        targetNamespace: props.namespace,
        // k3s retries a failed install up to 1000 times by default, so a broken release would never
        // show as failed; a few retries cover a dependency (a CRD) that arrives a little later.
        backOffLimit: CHART_INSTALL_RETRIES,
        // No anchors and aliases: values may share objects (a security context used twice), and
        // sorted keys would put an alias before its anchor.
        valuesContent: Lazy.any({ produce: () => stringify(this.values, { sortMapEntries: true, aliasDuplicateObjects: false }) }),
      },
    });
    if (props.valuesSchema !== undefined) {
      const schema = props.valuesSchema;
      this.node.addValidation({ validate: () => chartValuesProblems(schema, this.values, 'values') });
    }
  }

  /** The values as rendered into the release. */
  public get values(): Record<string, unknown> {
    return this.props.values();
  }
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
