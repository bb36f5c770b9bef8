import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { SparkApplication, SparkApplicationSpec } from '../../imports/sparkoperator.k8s.io';
import { registerAppChecks, registerSynthReport } from '../core/app';
import { dnsLabelProblem } from '../core/names';
import { Problems } from '../core/problems';
import { sparkConfKeyProblem } from '../operator/spark-conf-policy';
import { SparkOperatorRelease } from '../operator/spark-operator-release';
import { TenantNamespace } from '../tenancy/tenant-namespace';
import { capacityTable } from './capacity';
import { applySparkJobDefaults, sparkJobDefaultsOf } from './spark-job-defaults';
import { ApplicationResources } from './spark-resources';
import { sparkJobProblems, tenantSparkSpec } from './spark-spec';

export interface SparkJobProps {
  /** The tenant the application runs in; its namespace and service accounts are used. */
  readonly tenant: TenantNamespace;
  /** The SparkApplication name, an RFC 1123 label unique in the tenant's namespace. */
  readonly name: string;
  /**
   * The SparkApplication spec, typed from the operator's CRD. `driver.serviceAccount` and
   * `executor.serviceAccount` default to the tenant's driver and executor accounts; driver and
   * executor `securityContext` default to HARDENED_SECURITY_CONTEXT and `template` to the hardened
   * pod templates (hardenedTemplate).
   */
  readonly spec: SparkApplicationSpec;
}

/** The jobs of each tenant, in declaration order. */
const JOBS = new WeakMap<TenantNamespace, SparkJob[]>();

/**
 * A SparkApplication in a tenant's namespace, run by the Kubeflow Spark Operator. Before anything
 * is written, synth checks what the API server, the operator or Spark would otherwise reject later:
 * the pods must fit the tenant's ResourceQuota (with Spark's memory overhead), carry the limits the
 * quota requires with requests not above them, satisfy the tenant's pod security level with and
 * without the operator's webhook, run as the tenant's accounts, ask of the operator only what the
 * tenant's admission policy allows, in a namespace the operator watches. The add-ons' defaults for
 * the tenant's jobs (addSparkJobDefaults) are applied when the app is synthesized.
 *
 * @see https://www.kubeflow.org/docs/components/spark-operator/user-guide/
 */
export class SparkJob extends Construct {
  /** The jobs declared in a tenant, in declaration order. */
  public static jobsIn(tenant: TenantNamespace): readonly SparkJob[] {
    return [...(JOBS.get(tenant) ?? [])];
  }

  /** The tenant the job runs in. */
  public readonly tenant: TenantNamespace;
  /** The SparkApplication name. */
  public readonly name: string;
  /** The job's own spec with the tenant's accounts and the hardening applied (add-ons' defaults not yet). */
  public readonly spec: SparkApplicationSpec;
  /** The pods the job needs at its peak; undefined when a resource value is malformed (reported at synth). */
  public readonly resources?: ApplicationResources;
  /** The SparkApplication object. */
  public readonly application: SparkApplication;
  /** Problems of this job, reported at synth with its path; subclasses add their own. */
  protected readonly problems: Problems;

  constructor(scope: Construct, id: string, props: SparkJobProps) {
    super(scope, id);
    registerAppChecks(this);
    this.problems = new Problems(this);
    this.tenant = props.tenant;
    this.name = props.name;
    this.problems.add(dnsLabelProblem(this.name, 'name'));
    this.spec = tenantSparkSpec(this.tenant, props.spec);
    this.resources = sparkJobProblems(this.tenant, this.spec, (p) => this.problems.add(p));

    this.application = new SparkApplication(this, 'Resource', {
      metadata: { name: this.name, namespace: this.tenant.namespaceName },
      spec: Lazy.any({ produce: () => this.renderedSpec }),
    });

    registerSynthReport(this, 'capacity', capacityTable);
    const declared = JOBS.get(this.tenant) ?? [];
    JOBS.set(this.tenant, declared);
    declared.push(this);
    this.node.addValidation({ validate: () => this.appProblems() });
  }

  /** The spec as synthesized: the job's own, over the defaults that add-ons gave the tenant's jobs. */
  public get renderedSpec(): SparkApplicationSpec {
    return applySparkJobDefaults(this.spec, sparkJobDefaultsOf(this.tenant)).spec;
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
    // The admission policy holds the add-ons' confs to the same allow-list as the job's own.
    for (const { source, defaults } of entries) {
      for (const key of Object.keys(defaults.sparkConf ?? {})) {
        const p = sparkConfKeyProblem(key, `sparkConf["${key}"] from ${source}`);
        if (p !== undefined && spec.sparkConf?.[key] === defaults.sparkConf?.[key]) {
          problems.push(p);
        }
      }
    }
    return problems;
  }
}
