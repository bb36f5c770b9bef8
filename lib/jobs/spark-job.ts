import { registerAppChecks } from '../core/app';
import { Construct } from 'constructs';
import {
  SparkApplication,
  SparkApplicationSpec,
  SparkApplicationSpecDriverSecurityContext,
  SparkApplicationSpecExecutorSecurityContext,
} from '../../imports/sparkoperator.k8s.io';
import { dnsLabelProblem } from '../core/names';
import { Problems } from '../core/problems';
import { Quantity } from '../core/quantity';
import { sparkPodSecurityProblems } from './spark-pods';
import { ApplicationResources, applicationResources } from './spark-resources';
import { SparkOperatorRelease } from '../operator/spark-operator-release';
import { TenantNamespace } from '../tenancy/tenant-namespace';

/**
 * The container security context Spark pods get unless the spec sets one: the upstream examples'
 * hardening (uid 185 of the apache/spark image, no privilege escalation, all capabilities dropped,
 * RuntimeDefault seccomp), which the Pod Security `restricted` level accepts.
 */
export const HARDENED_SECURITY_CONTEXT: SparkApplicationSpecDriverSecurityContext & SparkApplicationSpecExecutorSecurityContext = {
  runAsUser: 185,
  runAsGroup: 185,
  runAsNonRoot: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL'] },
  seccompProfile: { type: 'RuntimeDefault' },
};

export interface SparkJobProps {
  /** The tenant the application runs in; its namespace and service account are used. */
  readonly tenant: TenantNamespace;
  /** The SparkApplication name, an RFC 1123 label unique in the tenant's namespace. */
  readonly name: string;
  /**
   * The SparkApplication spec, typed from the operator's CRD. `driver.serviceAccount` defaults to
   * the tenant's service account; driver and executor `securityContext` default to
   * HARDENED_SECURITY_CONTEXT.
   */
  readonly spec: SparkApplicationSpec;
}

/** The jobs of each tenant, in declaration order. */
const JOBS = new WeakMap<TenantNamespace, SparkJob[]>();

/**
 * A SparkApplication in a tenant's namespace, run by the Kubeflow Spark Operator. Before anything is
 * written, synth checks what the API server or the operator would otherwise reject later: the pods
 * must fit the tenant's ResourceQuota (with Spark's memory overhead), carry the limits the quota
 * requires, satisfy the tenant's pod security level, run as the tenant's service account, in a
 * namespace the operator watches.
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
  /** The spec as synthesized, defaults applied. */
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
    const spec = props.spec;
    this.spec = {
      ...spec,
      driver: {
        ...spec.driver,
        serviceAccount: spec.driver.serviceAccount ?? this.tenant.serviceAccountName,
        securityContext: spec.driver.securityContext ?? HARDENED_SECURITY_CONTEXT,
      },
      executor: {
        ...spec.executor,
        securityContext: spec.executor.securityContext ?? HARDENED_SECURITY_CONTEXT,
      },
    };
    this.resources = applicationResources(this.spec, { cpuLimit: this.tenant.containerDefaults?.cpuLimit }, (p) => this.problems.add(p));
    // The namespace's Pod Security Admission rejects violating driver and executor pods at creation.
    // Spec and level are fixed by now, so this is worked out once, not on every validation pass.
    for (const problem of sparkPodSecurityProblems(this.spec, this.tenant.podSecurity, this.tenant.namespaceName)) {
      this.problems.add(problem);
    }

    this.application = new SparkApplication(this, 'Resource', {
      metadata: { name: this.name, namespace: this.tenant.namespaceName },
      spec: this.spec,
    });

    const declared = JOBS.get(this.tenant) ?? [];
    JOBS.set(this.tenant, declared);
    declared.push(this);
    this.node.addValidation({ validate: () => this.admissionProblems() });
  }

  private admissionProblems(): string[] {
    const problems: string[] = [];
    const tenant = this.tenant.namespaceName;

    const expected = this.tenant.serviceAccountName;
    for (const [field, account] of [['driver', this.spec.driver.serviceAccount], ['executor', this.spec.executor.serviceAccount]] as const) {
      if (account !== undefined && account !== expected) {
        problems.push(`${field}.serviceAccount "${account}" is not ${tenant}'s service account: only "${expected}" is granted what Spark needs in ${tenant}; leave it unset or set "${expected}"`);
      }
    }

    const releases = SparkOperatorRelease.releasesOf(this);
    if (releases.length > 0 && !releases.some((r) => r.watches(this.tenant))) {
      problems.push(`namespace ${tenant} is not watched by the Spark operator (it watches ${releases.flatMap((r) => r.watchedNamespaces).join(', ')}), so the application would stay pending: add the tenant to SparkOperatorRelease's tenants`);
    }

    const need = this.resources;
    if (need) {
      const quota = this.tenant.quota;
      for (const role of ['driver', 'executor'] as const) {
        const pod = need[role];
        if (this.spec[role].coreLimit !== undefined) {
          continue;
        }
        if (!pod.cpuLimit) {
          problems.push(`${role}.coreLimit is not set but ${tenant}'s ResourceQuota sets limits.cpu, so the API server rejects the pod (must specify limits.cpu): set ${role}.coreLimit, for example "${pod.cpuRequest.toCpuString()}"`);
        } else if (pod.cpuRequest.isGreaterThan(pod.cpuLimit)) {
          problems.push(`${role}.coreLimit is not set, so ${tenant}'s LimitRange gives the pod its default CPU limit ${pod.cpuLimit.toCpuString()}, below its request ${pod.cpuRequest.toCpuString()}, and the API server rejects it: set ${role}.coreLimit to at least "${pod.cpuRequest.toCpuString()}"`);
        }
      }
      const pods = `driver + ${need.executors} executor${need.executors === 1 ? '' : 's'}`;
      const check = (what: string, needs: Quantity | undefined, allows: Quantity, show: 'cpu' | 'memory', fix: string) => {
        if (needs && needs.isGreaterThan(allows)) {
          const f = (q: Quantity) => (show === 'cpu' ? q.toCpuString() : q.toMemoryString());
          problems.push(`${what}: ${pods} need ${f(needs)}${show === 'memory' ? ' with Spark\'s memory overhead' : ''}; ${tenant} allows ${f(allows)} in total: ${fix}`);
        }
      };
      check('requests.cpu', need.requestsCpu, quota.requestsCpu, 'cpu', 'lower cores/coreRequest or executor.instances, or raise the tenant\'s quota.requestsCpu');
      check('limits.cpu', need.limitsCpu, quota.limitsCpu, 'cpu', 'lower coreLimit or executor.instances, or raise the tenant\'s quota.limitsCpu');
      check('requests.memory', need.requestsMemory, quota.requestsMemory, 'memory', 'lower memory or executor.instances, or raise the tenant\'s quota.requestsMemory');
      check('limits.memory', need.limitsMemory, quota.limitsMemory, 'memory', 'lower memory/memoryLimit or executor.instances, or raise the tenant\'s quota.limitsMemory');
      if (need.pods > quota.pods) {
        problems.push(`pods: ${pods} are ${need.pods} pods; ${tenant} allows ${quota.pods}: lower executor.instances to ${Math.max(quota.pods - 1, 0)} or raise the tenant's quota.pods`);
      }
    }
    return problems;
  }
}
