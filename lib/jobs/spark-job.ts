import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { SparkApplication } from '../../imports/sparkoperator.k8s.io';
import { SparkJobBase, SparkJobBaseProps } from './spark-job-base';

export interface SparkJobProps extends SparkJobBaseProps {
  /** The SparkApplication name, an RFC 1123 label unique in the tenant's namespace. */
  readonly name: string;
}

/**
 * A SparkApplication in a tenant's namespace, run by the Kubeflow Spark Operator. Before anything
 * is written, synth checks what the API server, the operator or Spark would otherwise reject later:
 * the pods must fit the tenant's ResourceQuota (with Spark's memory overhead, and at maxExecutors
 * with dynamic allocation), carry the limits the quota requires with requests not above them,
 * satisfy the tenant's pod security level with and without the operator's webhook, run as the
 * tenant's accounts, ask of the operator only what the tenant's admission policy allows, in a
 * namespace the operator watches. The add-ons' defaults for the tenant's jobs (addSparkJobDefaults)
 * are applied when the app is synthesized.
 *
 * @see https://www.kubeflow.org/docs/components/spark-operator/user-guide/
 */
export class SparkJob extends SparkJobBase {
  /** The SparkApplication object. */
  public readonly application: SparkApplication;

  constructor(scope: Construct, id: string, props: SparkJobProps) {
    super(scope, id, props);
    this.application = new SparkApplication(this, 'Resource', {
      metadata: { name: this.name, namespace: this.tenant.namespaceName },
      spec: Lazy.any({ produce: () => this.renderedSpec }),
    });
  }
}
