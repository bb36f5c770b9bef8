import { Construct } from 'constructs';
import { SparkApplicationSpec } from '../../imports/sparkoperator.k8s.io';
import { registerAppChecks, registerSynthReport } from '../core/app';
import { dnsLabelProblem } from '../core/names';
import { Problems } from '../core/problems';
import { sparkConfKeyProblem } from '../operator/spark-conf-policy';
import { SparkOperatorRelease } from '../operator/spark-operator-release';
import { TenantNamespace } from '../tenancy/tenant-namespace';
import { capacityTable } from './capacity';
import { EXPLAIN_REPORT, explainJobs } from './explain';
import { withPodGroupResources } from './pod-group';
import { DynamicAllocationProps, dynamicAllocationSpec, volcanoDynamicAllocationProblem, withExecutorInstances } from './dynamic-allocation';
import { applySparkJobDefaults, sparkJobDefaultsOf } from './spark-job-defaults';
import { ApplicationResources } from './spark-resources';
import { PLATFORM_RESTART_POLICY } from './restart-policy';
import { HARDENED_SECURITY_CONTEXT, sparkJobProblems, tenantSparkSpec } from './spark-spec';
import { submissionProblems } from './submission';
import { ConstructIndex } from '../core/construct-index';

export interface SparkJobBaseProps {
  /** The tenant the application runs in; its namespace and service accounts are used. */
  readonly tenant: TenantNamespace;
  /** The name of the object, an RFC 1123 label unique in the tenant's namespace. */
  readonly name: string;
  /**
   * The SparkApplication spec, typed from the operator's CRD. `driver.serviceAccount` and
   * `executor.serviceAccount` default to the tenant's driver and executor accounts; driver and
   * executor `securityContext` default to HARDENED_SECURITY_CONTEXT and `template` to the hardened
   * pod templates (hardenedTemplate).
   */
  readonly spec: SparkApplicationSpec;
  /**
   * Dynamic allocation of executors, between minExecutors and maxExecutors; sets
   * `spec.dynamicAllocation` (which the spec must then leave unset). The quota check and the
   * capacity table count the job at maxExecutors.
   * @default - a fixed number of executors (`executor.instances`)
   */
  readonly dynamicAllocation?: DynamicAllocationProps;
}

/** The jobs of each tenant (SparkJobBase.jobsIn). */
const JOBS = new ConstructIndex<SparkJobBase>();

/**
 * What every Spark job of a tenant shares, one-off (SparkJob) or scheduled (ScheduledSparkJob): the
 * spec it runs with (the tenant's accounts, the hardened security contexts and templates, the
 * add-ons' defaults for the tenant's jobs) and the checks of that spec at synth: the quota (at the
 * job's peak, maxExecutors with dynamic allocation), limits and requests, pod security, the
 * tenant's admission policy, the operator watching the tenant. Subclasses make the object.
 */
export abstract class SparkJobBase extends Construct {
  /**
   * The platform's restart policy, for a spec written by hand: a failed submission is retried, a
   * failed run is final (the jobs the library builds use it already).
   */
  public static readonly PLATFORM_RESTART_POLICY = PLATFORM_RESTART_POLICY;
  /**
   * The security context every Spark pod gets unless the spec sets its own: non-root uid 185, no
   * privilege escalation, all capabilities dropped, RuntimeDefault seccomp.
   */
  public static readonly HARDENED_SECURITY_CONTEXT = HARDENED_SECURITY_CONTEXT;

  /**
   * The jobs of a tenant, one-off and scheduled, in the order they were made; a job of another app
   * never counts against this app's tenant.
   */
  public static jobsIn(tenant: TenantNamespace): readonly SparkJobBase[] {
    return JOBS.get(tenant);
  }

  /** The tenant the job runs in. */
  public readonly tenant: TenantNamespace;
  /** The object's name. */
  public readonly name: string;
  /** The job's own spec with the tenant's accounts and the hardening applied (add-ons' defaults not yet). */
  public readonly spec: SparkApplicationSpec;
  /** The pods one run of the job needs at its peak; undefined when a resource value is malformed (reported at synth). */
  public readonly resources?: ApplicationResources;
  /**
   * Problems of this job, reported at synth with its path; the library's subclasses add their own.
   * @internal (Problems is the library's plumbing, not part of its API)
   */
  protected readonly problems: Problems;

  constructor(scope: Construct, id: string, props: SparkJobBaseProps) {
    super(scope, id);
    registerAppChecks(this);
    this.problems = new Problems(this);
    Problems.derivedFrom(this, props.tenant);
    this.tenant = props.tenant;
    JOBS.add(props.tenant, this);
    this.name = props.name;
    this.problems.add(dnsLabelProblem(this.name, 'name'));
    let spec = props.spec;
    if (props.dynamicAllocation !== undefined) {
      if (spec.dynamicAllocation !== undefined) {
        this.problems.add('dynamicAllocation is set both as a prop and in spec.dynamicAllocation: keep one, the dynamicAllocation prop');
      }
      spec = { ...spec, dynamicAllocation: dynamicAllocationSpec(props.dynamicAllocation) };
    }
    this.spec = tenantSparkSpec(this.tenant, withExecutorInstances(spec));
    this.resources = sparkJobProblems(this.tenant, this.spec, (p) => this.problems.add(p));
    submissionProblems(this.spec, (p) => this.problems.add(p));

    registerSynthReport(this, 'capacity', capacityTable);
    registerSynthReport(this, EXPLAIN_REPORT, explainJobs, { onRequest: true });
    this.node.addValidation({ validate: () => this.appProblems() });
  }

  /**
   * The spec as synthesized: the job's own, over the defaults that add-ons gave the tenant's jobs,
   * and, when Volcano schedules it, its PodGroup's minimum resources (withPodGroupResources).
   */
  public get renderedSpec(): SparkApplicationSpec {
    return withPodGroupResources(applySparkJobDefaults(this.spec, sparkJobDefaultsOf(this.tenant)).spec, this.resources);
  }

  /** What only the whole app shows: the operator watching the tenant, and the add-ons' defaults. */
  private appProblems(): string[] {
    const problems: string[] = [];
    const tenant = this.tenant.namespaceName;
    const releases = SparkOperatorRelease.releasesOf(this);
    if (releases.length > 0 && !releases.some((r) => r.watches(this.tenant))) {
      problems.push(`namespace ${tenant} is not watched by the Spark operator (it watches ${releases.flatMap((r) => r.watchedNamespaces).join(', ')}), so the application would stay pending: add the tenant to SparkOperatorRelease's tenants`);
    }
    const entries = sparkJobDefaultsOf(this.tenant);
    const { spec, conflicts } = applySparkJobDefaults(this.spec, entries);
    problems.push(...conflicts);
    const volcano = volcanoDynamicAllocationProblem(spec);
    if (volcano !== undefined) {
      problems.push(volcano);
    }
    // The admission policy holds the add-ons' confs to the same allow-list as the job's own.
    for (const { source, defaults } of entries) {
      for (const key of Object.keys(defaults.sparkConf ?? {})) {
        const p = sparkConfKeyProblem(key, `sparkConf["${key}"] from ${source}`);
        if (p !== undefined && spec.sparkConf?.[key] === defaults.sparkConf?.[key]) {
          problems.push(p);
        }
      }
    }
    // The operator makes PodGroups only with its batch scheduler on; without them the pods wait for
    // a scheduler that never admits them. Another scheduler than volcano is refused on its own
    // (sparkSpecProblems), and that one message is its fix.
    if (spec.batchScheduler === 'volcano') {
      for (const release of releases.filter((r) => r.watches(this.tenant))) {
        const enabled = (release.values.controller as { batchScheduler?: { enable?: boolean } } | undefined)?.batchScheduler?.enable === true;
        if (!enabled) {
          problems.push(`batchScheduler "${spec.batchScheduler}" is set, but the operator at ${release.node.path} has its batch scheduler off (controller.batchScheduler.enable), so it makes no PodGroup and the pods are never scheduled: enable the scheduling add-on (VolcanoScheduling) for ${tenant}, or remove batchScheduler`);
        }
      }
    }
    return problems;
  }
}
