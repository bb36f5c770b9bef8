import { k8s } from 'cdk8s-plus-30';
import { Construct } from 'constructs';
import { registerAppChecks } from './app';
import { chartDeliveryOf } from './delivery';
import { componentNamespaceProblem } from './names';
import { NamespacePolicies } from './network-policy-kit';
import { podSecurityLabels, PodSecurityLevel } from './pod-security';
import { Problems } from './problems';

/** Where a platform component runs, and what its messages call it. */
export interface PlatformAddonNamespace {
  /** The namespace the component runs in. */
  readonly namespace: string;
  /** Whose namespace it is, for messages: "Volcano's namespace". */
  readonly owner: string;
  /** The namespace suggested instead of a refused one: the component's default. */
  readonly suggestion: string;
}

/**
 * The one shape of the platform's components that install a chart (the operator, Volcano, the
 * monitoring stack, the object store): a namespace of their own at the Pod Security level
 * `restricted`, the chart release, and NetworkPolicies that keep the namespace's pods to what they
 * need. The base checks the namespace (not one of Kubernetes or of the chart delivery), records the
 * component's problems, and makes the namespace and the policies; the component adds its release
 * and its allow rules in the order its objects are written.
 */
export abstract class PlatformAddon extends Construct {
  /** The namespace the component runs in. */
  public readonly namespaceName: string;
  /** Where the component records bad input; reported at synth under its path. */
  protected readonly problems: Problems;

  constructor(scope: Construct, id: string, namespace: PlatformAddonNamespace) {
    super(scope, id);
    registerAppChecks(this);
    this.problems = new Problems(this);
    this.namespaceName = namespace.namespace;
    this.problems.add(componentNamespaceProblem(namespace.namespace, chartDeliveryOf(this), namespace.owner, namespace.suggestion));
  }

  /** Makes the component's namespace, at the Pod Security level `restricted`. */
  protected addRestrictedNamespace(annotations?: Record<string, string>): k8s.KubeNamespace {
    return new k8s.KubeNamespace(this, 'Namespace', { metadata: { name: this.namespaceName, labels: podSecurityLabels(PodSecurityLevel.RESTRICTED), annotations } });
  }

  /** The NetworkPolicies of the namespace, each named `<prefix>-<name>`. */
  protected namespacePolicies(prefix: string): NamespacePolicies {
    return new NamespacePolicies(this, this.namespaceName, prefix);
  }
}
