import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import { HelmChart } from '../../../imports/helm.cattle.io';
import { Queue, QueueSpecCapability } from '../../../imports/volcano-scheduling.volcano.sh';
import { declareApplySteps } from '../../core/apply-plan';
import { Problems } from '../../core/problems';
import { ChartRelease, deepMerge } from '../../helm/chart-release';
import { SparkJobBase } from '../../jobs/spark-job-base';
import { addSparkJobDefaults } from '../../jobs/spark-job-defaults';
import { SparkOperatorRelease } from '../../operator/spark-operator-release';
import { BATCH_QUEUE_LABEL } from '../../operator/tenant-admission-policy';
import { TENANT_LABEL, TenantNamespace } from '../../tenancy/tenant-namespace';
import { ApiServerEndpoint, apiServerProblems, K3D_API_SERVER_ENDPOINTS } from '../../tenancy/tenant-network';
import { apiServerEgress, dnsEgress, tcpPorts } from '../../core/network-policy-kit';
import { PlatformAddon } from '../../core/platform-addon';

/** Where the Volcano chart is published. */
export const VOLCANO_CHART_REPO = 'https://volcano-sh.github.io/helm-charts';
/** The Volcano chart version whose values the platform sets (and the values schema describes). */
export const VOLCANO_CHART_VERSION = '1.15.0';
/** The scheduler name Volcano registers, and the operator's `batchScheduler` for it. */
export const VOLCANO_SCHEDULER_NAME = 'volcano';
/** The port of Volcano's admission webhook (`basic.admission_port`), which the API server calls. */
export const VOLCANO_ADMISSION_PORT = 8443;
/** The queues Volcano's scheduler makes itself; no tenant's queue may take their names. */
export const VOLCANO_BUILTIN_QUEUES = ['default', 'root'];

export interface VolcanoSchedulingProps {
  /**
   * The Spark Operator: its batch scheduler is turned on (`controller.batchScheduler.enable`), and
   * it hands every job of a covered tenant to Volcano in the tenant's queue.
   */
  readonly operator: SparkOperatorRelease;
  /**
   * The tenants that get a queue and whose jobs Volcano schedules in it; each must be watched by
   * the operator.
   * @default - every tenant the operator watches
   */
  readonly tenants?: TenantNamespace[];
  /**
   * Namespace of Volcano's scheduler, controllers and admission webhook; the construct creates it at
   * the Pod Security level `restricted`, isolated by NetworkPolicies.
   * @default 'volcano-system'
   */
  readonly namespace?: string;
  /**
   * Helm release name; the chart names its objects after it (`<release>-scheduler`, ...).
   * @default 'volcano'
   */
  readonly releaseName?: string;
  /**
   * Chart version; the values are checked against 1.15.0's.
   * @default '1.15.0'
   */
  readonly version?: string;
  /**
   * Namespace of the HelmChart object, where the k3s helm controller runs the install Job.
   * @default 'kube-system'
   */
  readonly helmChartNamespace?: string;
  /**
   * Where Volcano's pods reach the Kubernetes API server, their only destination besides DNS.
   * @default K3D_API_SERVER_ENDPOINTS
   */
  readonly apiServer?: ApiServerEndpoint[];
  /**
   * Chart values merged over the platform's, checked against the chart's values.yaml at synth.
   * @default - none
   */
  readonly values?: Record<string, unknown>;
}

/**
 * Fair sharing between the tenants with the Volcano batch scheduler: the pinned Volcano chart,
 * trimmed for a laptop k3d cluster, and one Volcano Queue per tenant whose `capability` is the
 * tenant's quota requests (cpu, memory). The operator's batch scheduler is turned on, and every
 * job of a covered tenant, one-off or scheduled, is scheduled by Volcano in its own queue
 * (`batchScheduler: volcano`, `batchSchedulerOptions.queue`). Operator 2.3.0's PodGroup has
 * `minMember: 1`, the driver only (internal/scheduler/volcano/scheduler.go:177-203), so the driver
 * and executors are not gang-scheduled: Volcano lets the driver start once the PodGroup's
 * `minResources` (driver plus initial executors, set by the platform, see withPodGroupResources)
 * fit the queue, and places each executor when the driver creates it.
 * The tenant's namespace is labelled with its queue (BATCH_QUEUE_LABEL), so that the tenant
 * admission policy refuses on the cluster any application that names another scheduler or queue,
 * or none.
 *
 * Volcano runs in its own namespace at the Pod Security level `restricted` (the chart's default
 * DAC_OVERRIDE capability is dropped: what its pods read is world-readable), behind NetworkPolicies
 * that let its pods reach only DNS and the API server, and let in only the API server's calls to
 * its admission webhook. The webhook's certificate is generated in the cluster by the chart's
 * install hook; nothing secret is in the manifests.
 *
 * @see https://github.com/volcano-sh/volcano/tree/v1.15.0/installer/helm/chart/volcano
 * @see https://www.kubeflow.org/docs/components/spark-operator/user-guide/volcano-integration/
 */
export class VolcanoScheduling extends PlatformAddon {
  /** The scheduler name the jobs of a watched tenant get. */
  public static readonly SCHEDULER_NAME = VOLCANO_SCHEDULER_NAME;
  /** Volcano's own queues, which no team may be named after. */
  public static readonly BUILTIN_QUEUES = VOLCANO_BUILTIN_QUEUES;

  /** The Helm release name. */
  public readonly releaseName: string;
  /** The chart release. */
  public readonly release: ChartRelease;
  /** The HelmChart object, when the chart is delivered by the k3s helm controller. */
  public readonly helmChart?: HelmChart;
  /** The tenants whose jobs Volcano schedules in their own queue. */
  public readonly tenants: readonly TenantNamespace[];
  /** The Queue of each tenant, by the tenant's namespace (the queue's name). */
  public readonly queues: Readonly<Record<string, Queue>>;
  private readonly props: VolcanoSchedulingProps;
  private readonly operator: SparkOperatorRelease;

  constructor(scope: Construct, id: string, props: VolcanoSchedulingProps) {
    super(scope, id, { namespace: props.namespace ?? 'volcano-system', owner: "Volcano's namespace", suggestion: 'volcano-system' });
    const problems = this.problems;
    this.props = props;
    this.operator = props.operator;
    this.releaseName = props.releaseName ?? 'volcano';
    this.tenants = [...(props.tenants ?? props.operator.tenants)];
    const apiServer = props.apiServer ?? K3D_API_SERVER_ENDPOINTS;
    const ns = this.namespaceName;

    if (ns === props.operator.namespaceName || props.operator.tenants.some((t) => t.namespaceName === ns)) {
      problems.add(`namespace "${ns}" is the namespace of the operator or of a tenant: Volcano would run under their policies and they beside the scheduler; give Volcano a namespace of its own, for example "volcano-system"`);
    }
    if (this.tenants.length === 0) {
      problems.add('tenants is empty: give the add-on the TenantNamespace objects whose jobs it schedules, or leave it unset for every tenant of the operator');
    }
    problems.addAll(apiServerProblems(apiServer, 'apiServer'));

    this.addRestrictedNamespace();

    this.release = new ChartRelease(this, 'Resource', {
      chart: 'volcano',
      repo: VOLCANO_CHART_REPO,
      version: props.version ?? VOLCANO_CHART_VERSION,
      releaseName: this.releaseName,
      namespace: ns,
      helmChartNamespace: props.helmChartNamespace,
      values: () => this.values,
      valuesSchema: 'volcano',
      valuesVersion: VOLCANO_CHART_VERSION,
    });
    this.helmChart = this.release.helmChart;

    // The operator makes a PodGroup per application and hands it to Volcano. Its Volcano scheduler
    // needs the PodGroup CRD; without it the operator submits the job without Volcano
    // (internal/scheduler/volcano/scheduler.go:71-84, internal/controller/sparkapplication/controller.go:1231-1234
    // at v2.3.0), so the operator is installed after Volcano.
    props.operator.addValues(this.node.path, { controller: { batchScheduler: { enable: true } } });
    props.operator.release.addDependency(this.release);

    const queues: Record<string, Queue> = {};
    const seen = new Set<string>();
    for (const tenant of this.tenants) {
      const queue = tenant.namespaceName;
      if (seen.has(queue)) {
        problems.add(`tenants lists namespace "${queue}" more than once: pass each TenantNamespace once`);
        continue;
      }
      seen.add(queue);
      if (!props.operator.watches(tenant)) {
        problems.add(`tenant ${queue} is not watched by the operator at ${props.operator.node.path}, so its jobs never reach Volcano: add it to the operator's tenants, or leave it out of tenants`);
      }
      if (VOLCANO_BUILTIN_QUEUES.includes(queue)) {
        problems.add(`tenant ${queue} would get the queue "${queue}", which Volcano's scheduler makes and shares with every workload: give the tenant another namespace`);
      }
      // The queue admits at most the tenant's quota requests at once: Volcano enqueues a job only
      // when all its pods fit, instead of the API server refusing executors one by one.
      queues[queue] = new Queue(this, `Queue-${queue}`, {
        metadata: { name: queue, labels: { [TENANT_LABEL]: queue } },
        spec: {
          capability: {
            cpu: QueueSpecCapability.fromString(tenant.quota.requestsCpu.toCpuString()),
            memory: QueueSpecCapability.fromString(tenant.quota.requestsMemory.toMemoryString()),
          },
        },
      });
      Problems.derivedFrom(queues[queue], tenant);
      tenant.namespace.metadata.addLabel(BATCH_QUEUE_LABEL, queue);
      addSparkJobDefaults(tenant, this.node.path, { batchScheduler: VOLCANO_SCHEDULER_NAME, queue });
    }
    this.queues = queues;

    this.isolate(apiServer);
    this.node.addValidation({ validate: () => this.appProblems() });
    // The apply plan: Volcano's webhook admits its Queues (failurePolicy Fail), and its scheduler must
    // run before any job is scheduled in a queue, so it is waited for before the Queues are applied again.
    declareApplySteps(this, {
      readiness: {
        phase: 'volcano',
        title: `waiting for Volcano in ${this.namespaceName}`,
        when: 'before-custom-resources',
        waits: ['admission', 'controllers', 'scheduler'].map((component) => ({
          type: 'condition', resource: 'deployment', namespace: this.namespaceName, name: `${this.releaseName}-${component}`, condition: 'Available', timeout: 'VOLCANO_TIMEOUT',
        })),
      },
    });
  }

  /**
   * The values as rendered into the release: one replica of each component with requests and
   * limits (and GOMEMLIMIT from them), images pulled only when missing, no metrics stack, the
   * containers' added DAC_OVERRIDE capability dropped, and `values` over them.
   */
  public get values(): Record<string, unknown> {
    const resources = (cpu: string, memory: string, cpuLimit: string, memoryLimit: string) => ({ requests: { cpu, memory }, limits: { cpu: cpuLimit, memory: memoryLimit } });
    const platform = {
      basic: { image_pull_policy: 'IfNotPresent' },
      custom: {
        // The chart's Prometheus, Grafana and kube-state-metrics (off by default, and kept off).
        metrics_enable: false,
        admission_replicas: 1,
        controller_replicas: 1,
        scheduler_replicas: 1,
        go_memlimit_enable: true,
        admission_resources: resources('50m', '64Mi', '500m', '256Mi'),
        controller_resources: resources('50m', '128Mi', '500m', '512Mi'),
        scheduler_resources: resources('100m', '128Mi', '1', '512Mi'),
        // Pod Security `restricted` admits no added capability but NET_BIND_SERVICE; the chart adds
        // DAC_OVERRIDE by default, which none of its pods needs (their Secret is mounted 0644, the
        // ConfigMaps world-readable, the install hook writes only its own temporary files).
        default_csc: {
          runAsNonRoot: true,
          runAsUser: 1000,
          allowPrivilegeEscalation: false,
          capabilities: { add: [], drop: ['ALL'] },
        },
      },
    };
    return deepMerge(platform, this.props.values ?? {});
  }

  /**
   * Volcano's NetworkPolicies: nothing in or out but DNS and the API server for every pod, and the
   * API server's calls to the admission webhook.
   */
  private isolate(apiServer: ApiServerEndpoint[]): void {
    const policies = this.namespacePolicies(this.releaseName);
    const policy = (id: string, name: string, spec: k8s.NetworkPolicySpec) => policies.allow(id, name, spec);
    policies.defaultDeny();
    policy('AllowDnsApiServer', 'allow-dns-apiserver', {
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [dnsEgress(), ...apiServerEgress(apiServer)],
    });
    // The API server calls admission webhooks from an address that depends on the CNI; the webhook
    // authenticates itself with TLS.
    policy('AllowWebhook', 'allow-webhook', {
      podSelector: { matchLabels: { app: 'volcano-admission' } },
      policyTypes: ['Ingress'],
      ingress: [{ ports: tcpPorts(VOLCANO_ADMISSION_PORT) }],
    });
  }

  /**
   * What needs the whole app: the operator's batch scheduler and webhook still on after every
   * value was merged, and no job of a tenant without a queue asking for Volcano.
   */
  private appProblems(): string[] {
    const problems: string[] = [];
    const values = this.operator.values as { controller?: { batchScheduler?: { enable?: boolean } }; webhook?: { enable?: boolean } };
    if (values.controller?.batchScheduler?.enable !== true) {
      problems.push(`operator values controller.batchScheduler.enable is ${values.controller?.batchScheduler?.enable}, but the Volcano add-on needs it: without it the operator makes no PodGroups and the tenants' pods are never scheduled; remove that value or the add-on`);
    }
    if (values.webhook?.enable === false) {
      problems.push('operator values webhook.enable is false, but only the operator\'s webhook sets the pods\' schedulerName to volcano, so the jobs would bypass their queues: remove that value or the add-on');
    }
    const covered = new Set(this.tenants.map((t) => t.namespaceName));
    for (const tenant of this.operator.tenants.filter((t) => !covered.has(t.namespaceName))) {
      for (const job of SparkJobBase.jobsIn(tenant).filter((j) => j.renderedSpec.batchScheduler !== undefined)) {
        problems.push(`job ${job.node.path} in ${tenant.namespaceName} sets batchScheduler "${job.renderedSpec.batchScheduler}", but only the add-on's tenants have a queue, so ${tenant.namespaceName}'s jobs would land in Volcano's shared default queue (or be refused, naming a queue that does not exist): add the tenant to the add-on's tenants, or remove batchScheduler`);
      }
    }
    return problems;
  }
}
