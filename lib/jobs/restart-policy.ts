import { SparkApplicationSpecRestartPolicy, SparkApplicationSpecRestartPolicyType } from '../../imports/sparkoperator.k8s.io';

/** How many times operator 2.3.0 submits a job again after spark-submit failed. */
export const SUBMISSION_RETRIES = 5;
/** Seconds before the first resubmission; the n-th waits n times as long (linear backoff). */
export const SUBMISSION_RETRY_INTERVAL_SECONDS = 60;

/**
 * The restart policy of the platform's jobs: a failed run is final, as with `Never`, but a failed
 * submission is tried again. spark-submit creates the driver pod, and the namespace's ResourceQuota
 * refuses it at creation while other jobs hold the quota; with `Never` the operator marks the
 * application FAILED at once. With `OnFailure`, operator 2.3.0 resubmits while
 * `submissionAttempts <= onSubmissionFailureRetries` (pkg/util/sparkapplication.go:96-103), waiting
 * `attempts x onSubmissionFailureRetryInterval` seconds (pkg/util/sparkapplication.go:111-129):
 * 60 s, 120 s, ... 300 s, 15 minutes in all. A run that failed (state FAILING) is retried only while
 * `executionAttempts <= onFailureRetries` (pkg/util/sparkapplication.go:87-94), never with 0.
 *
 * @see https://github.com/kubeflow/spark-operator/blob/v2.3.0/pkg/util/sparkapplication.go#L83-L129
 */
export const PLATFORM_RESTART_POLICY: SparkApplicationSpecRestartPolicy = {
  type: SparkApplicationSpecRestartPolicyType.ON_FAILURE,
  onFailureRetries: 0,
  onSubmissionFailureRetries: SUBMISSION_RETRIES,
  onSubmissionFailureRetryInterval: SUBMISSION_RETRY_INTERVAL_SECONDS,
};
