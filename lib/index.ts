export * from './quantity';
export * from './names';
export * from './problems';
export * from './pod-security';
export * from './tenant-egress';
export * from './tenant-namespace';
export * from './spark-operator-values';
export * from './spark-operator-release';
export * from './spark-resources';
export * from './spark-pods';
export * from './spark-job';
export * from './spark-pi-job';
export * from './capacity';

/**
 * The SparkApplication classes generated from the operator's CRD: the types of `SparkJobProps.spec`
 * and their enums, such as `sparkoperator.SparkApplicationSpecType.PYTHON`.
 */
export * as sparkoperator from '../imports/sparkoperator.k8s.io';
/** The k3s `HelmChart` classes generated from the helm-controller's CRD, the type of `SparkOperatorRelease.helmChart`. */
export * as helm from '../imports/helm.cattle.io';
