#!/usr/bin/env bash
# Takes the Spark platform in dist/ from nothing to finished Pi jobs on a local k3d cluster.
#
#   k3d/platform.sh up      check docker, k3d and kubectl; create the cluster unless it exists; build
#                           the Spark image with the S3A client and import it into the cluster
#   k3d/platform.sh apply   apply dist/ in phases with readiness gates, follow the jobs, print results
#                           (DIST_DIR=examples/flux/dist or examples/argocd/dist: the charts are
#                           released by Flux or Argo CD, which must be installed in the cluster first)
#   k3d/platform.sh status  show the cluster, the operator, the History Servers and the SparkApplications,
#                           and how to open Grafana and each team's History Server
#   k3d/platform.sh pipeline  wait for the data pipeline of dist/ (the objects labelled
#                           spark-platform.io/pipeline): its loading Jobs, then its SparkApplications;
#                           print the rows each driver logged and compare them with the pipeline's
#                           expected result (pipelines/<pipeline>/expected.json, or PIPELINE_EXPECTED)
#   k3d/platform.sh down    delete the cluster
#
# A single `kubectl apply -f dist/` fails on a new cluster: the SparkApplication kind only exists once
# the operator's chart has installed its CRD, and the operator's webhook (failurePolicy Fail) rejects
# applications until it serves. Likewise the PodMonitor kind exists once the monitoring chart has
# installed it, and the operator's chart renders its own PodMonitor only then; Volcano's Queue kind
# once its chart has installed it, and Volcano's webhook admits Queues only once it serves. Hence the phases:
# charts install one file after another, in file order, and a file whose custom resources need a CRD
# that a chart brings is applied again once that CRD is established. After each file the script also
# waits for what it starts: the Deployments a release's spark-platform.io/ready-deployments annotation
# names, the file's Jobs to complete and its Deployments to be available; the SparkApplications come
# last. Keys are never in dist/: a Namespace's spark-platform.io/generated-credentials annotation
# lists the Secrets the script creates with random keys (and copies into that namespace) before the
# rest of its file is applied. Every wait is bounded; the environment variables below override the
# bounds.
set -euo pipefail

# Glob order is apply order, so it must not depend on the user's locale.
export LC_ALL=C

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
K3D_CONFIG=${K3D_CONFIG:-$ROOT/k3d/k3d-config.yaml}
DIST_DIR=${DIST_DIR:-$ROOT/dist}
POLL_INTERVAL=${POLL_INTERVAL:-5}
NODES_TIMEOUT=${NODES_TIMEOUT:-120}
HELM_JOB_TIMEOUT=${HELM_JOB_TIMEOUT:-300}
CRD_TIMEOUT=${CRD_TIMEOUT:-120}
OPERATOR_TIMEOUT=${OPERATOR_TIMEOUT:-300}
WEBHOOK_RETRIES=${WEBHOOK_RETRIES:-12}
APP_START_TIMEOUT=${APP_START_TIMEOUT:-120}
APP_TIMEOUT=${APP_TIMEOUT:-900}
MONITORING_TIMEOUT=${MONITORING_TIMEOUT:-300}
VOLCANO_TIMEOUT=${VOLCANO_TIMEOUT:-300}
WORKLOAD_TIMEOUT=${WORKLOAD_TIMEOUT:-300}
JOB_TIMEOUT=${JOB_TIMEOUT:-600}
PIPELINE_TIMEOUT=${PIPELINE_TIMEOUT:-1800}
OPERATOR_RELEASE=${OPERATOR_RELEASE:-spark-operator}
OPERATOR_NAMESPACE=${OPERATOR_NAMESPACE:-spark-operator}
MONITORING_RELEASE=${MONITORING_RELEASE:-kube-prometheus-stack}
MONITORING_NAMESPACE=${MONITORING_NAMESPACE:-monitoring}
VOLCANO_RELEASE=${VOLCANO_RELEASE:-volcano}
VOLCANO_NAMESPACE=${VOLCANO_NAMESPACE:-volcano-system}
SPARK_CRD=sparkapplications.sparkoperator.k8s.io
# The image of jobs that use object storage and of the History Servers (SPARK_S3A_IMAGE in
# lib/addons/storage/s3a.ts), built from k3d/spark-s3a/Dockerfile; a test keeps the two in step.
S3A_IMAGE=${S3A_IMAGE:-spark-platform/spark-s3a:4.0.0-hadoop-aws-3.4.1}
S3A_BUILD_DIR=${S3A_BUILD_DIR:-$ROOT/k3d/spark-s3a}
CREDENTIALS_ANNOTATION=spark-platform.io/generated-credentials
READY_ANNOTATION=spark-platform.io/ready-deployments
HISTORY_SERVER_SELECTOR=app.kubernetes.io/name=spark-history-server
HISTORY_SERVER_PORT=18080

PHASE=settings

say() { printf '==> [%s] %s\n' "$PHASE" "$*"; }
phase() { PHASE=$1; shift; say "$@"; }
detail() { printf '    %s\n' "$@"; }

# fail OBJECT MESSAGE [DETAIL...]: the last words of every failed run name the phase and the object.
fail() {
  local object=$1 message=$2
  shift 2
  {
    printf 'FAILED [%s] %s: %s\n' "$PHASE" "$object" "$message"
    local line
    for line in "$@"; do
      [[ -n $line ]] && printf '%s\n' "$line"
    done
  } >&2
  exit 1
}

for var in POLL_INTERVAL NODES_TIMEOUT HELM_JOB_TIMEOUT CRD_TIMEOUT OPERATOR_TIMEOUT WEBHOOK_RETRIES APP_START_TIMEOUT APP_TIMEOUT MONITORING_TIMEOUT VOLCANO_TIMEOUT WORKLOAD_TIMEOUT JOB_TIMEOUT PIPELINE_TIMEOUT; do
  [[ ${!var} =~ ^[0-9]+$ ]] || fail "$var" "must be a whole number (of seconds for timeouts), not '${!var}'"
done

# The cluster name lives in the k3d config only, so read it from there.
[[ -f $K3D_CONFIG ]] || fail "$K3D_CONFIG" "k3d config not found" "hint: set K3D_CONFIG to the cluster config file"
CLUSTER_NAME=$(awk '/^metadata:/ { m = 1; next } /^[^ #]/ { m = 0 } m && $1 == "name:" { gsub(/["\047]/, "", $2); print $2; exit }' "$K3D_CONFIG")
[[ -n $CLUSTER_NAME ]] || fail "$K3D_CONFIG" "no metadata.name in the k3d config"
KUBE_CONTEXT=${KUBE_CONTEXT:-k3d-$CLUSTER_NAME}

# Every kubectl call names the context, so a different current context is never the target.
kc() { kubectl --context "$KUBE_CONTEXT" "$@"; }
# pause: the wait between two polls (none with POLL_INTERVAL=0).
pause() { ((POLL_INTERVAL == 0)) || sleep "$POLL_INTERVAL"; }

# kc_read OBJECT NAMESPACE ARGS...: the output of `kubectl ARGS`, without stderr (a warning there would
# spoil the value); when kubectl fails, the run fails naming OBJECT. Use as: x=$(kc_read ...) || exit 1
kc_read() {
  local object=$1 ns=$2 out
  shift 2
  out=$(kc "$@" 2>/dev/null) && printf '%s' "$out" && return 0
  out=$(kc "$@" 2>&1) || true
  fail "$object" "kubectl cannot read it" "$out" "$(hint_for "$out" "$ns")"
}

# --- hints: the seed README's troubleshooting, matched to what went wrong -----------------------------

hint_quota() {
  printf '%s\n' "hint (Resource Quota Violations): in a namespace with a ResourceQuota every pod must set limits" \
    "  - add coreLimit to the driver and executor specs" \
    "  - make sure memory plus Spark's overhead fits the quota" \
    "  - check current usage: kubectl describe quota -n $1"
}
hint_permission() {
  printf '%s\n' "hint (Permission Errors): the job's service account lacks a permission" \
    "  - check the service account exists: kubectl get sa -n $1" \
    "  - verify the RBAC bindings: kubectl get rolebindings -n $1" \
    "  - make sure the SparkApplication names the team's service account"
}
hint_image() {
  printf '%s\n' "hint (Image Pull Issues): a pod cannot pull its image (ImagePullBackOff)" \
    "  - verify the image name and tag (working images: apache/spark:4.0.0, $S3A_IMAGE)" \
    "  - $S3A_IMAGE is never pulled: 'npm run cluster:up' (k3d/platform.sh up) builds it and imports it into the cluster" \
    "  - check the cluster's network connectivity"
}
hint_not_watching() {
  printf '%s\n' "hint (Spark Operator Not Watching Namespaces): the operator never picked the application up" \
    "  - check which namespaces it watches: kubectl logs -n $OPERATOR_NAMESPACE deployment/$OPERATOR_RELEASE-controller | grep namespace" \
    "  - it should list $1 (the operator's spark.jobNamespaces)"
}
hint_operator() {
  printf '%s\n' "hint: look at the operator's pods and logs" \
    "  - kubectl get pods -n $OPERATOR_NAMESPACE" \
    "  - kubectl logs -n $OPERATOR_NAMESPACE deployment/$OPERATOR_RELEASE-controller"
}
hint_pods() {
  printf '%s\n' "hint: look at the pods and events of $1" \
    "  - kubectl get pods -n $1" \
    "  - kubectl get events -n $1 --sort-by=.lastTimestamp"
}
hint_flux() {
  printf '%s\n' "hint: these manifests release their charts with Flux (HelmRepository, HelmRelease), which is not installed" \
    "  - install Flux's controllers first: flux install (or flux bootstrap for a Git repository)" \
    "  - or apply dist/, whose charts the k3s helm controller installs"
}
hint_argocd() {
  printf '%s\n' "hint: these manifests release their charts with Argo CD (Application), which is not installed" \
    "  - install Argo CD into the namespace argocd first (its install.yaml, applied with --server-side)" \
    "  - or apply dist/, whose charts the k3s helm controller installs"
}
hint_cluster() {
  printf '%s\n' "hint: is the cluster running? Create it with 'npm run cluster:up' (k3d/platform.sh up)" \
    "  - kubectl context used: $KUBE_CONTEXT (override with KUBE_CONTEXT)"
}

# hint_for TEXT NAMESPACE: the hint whose symptom appears in TEXT, if any. Quota errors come first
# because the API server words them "... is forbidden: exceeded quota".
hint_for() {
  local text=$1 ns=$2 hint=""
  shopt -s nocasematch
  case $text in
    *'no matches for kind "HelmRelease"'* | *'no matches for kind "HelmRepository"'*) hint=$(hint_flux) ;;
    *'no matches for kind "Application"'*) hint=$(hint_argocd) ;;
    *"exceeded quota"* | *"must specify limits"* | *"must specify requests"*) hint=$(hint_quota "$ns") ;;
    *forbidden*) hint=$(hint_permission "$ns") ;;
    *ImagePullBackOff* | *ErrImagePull*) hint=$(hint_image) ;;
    *"failed calling webhook"*) hint=$(hint_operator) ;;
    *"context"*"does not exist"* | *"Unable to connect"* | *"connection refused"*) hint=$(hint_cluster) ;;
  esac
  shopt -u nocasematch
  printf '%s' "$hint"
}

# Reasons pods in NAMESPACE are waiting for, e.g. "ImagePullBackOff ContainerCreating".
waiting_reasons() {
  kc get pods -n "$1" -o jsonpath='{..waiting.reason}' 2>/dev/null || true
}

# --- prerequisites and the cluster --------------------------------------------------------------------

install_hint() {
  case $1 in
    docker) echo "install Docker Desktop or Docker Engine: https://docs.docker.com/get-docker/" ;;
    k3d) echo "install k3d: https://k3d.io/#installation" ;;
    kubectl) echo "install kubectl: https://kubernetes.io/docs/tasks/tools/" ;;
  esac
}

require() {
  local tool missing=() messages=()
  for tool in "$@"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      missing+=("$tool")
      messages+=("missing prerequisite: $tool is not on PATH; $(install_hint "$tool")")
    fi
  done
  if ((${#missing[@]} > 0)); then
    fail "prerequisites" "missing ${missing[*]}" "${messages[@]}"
  fi
}

cluster_exists() {
  local clusters
  clusters=$(k3d cluster list -o json 2>&1) || fail "k3d cluster list" "k3d cannot list clusters" "$clusters" \
    "hint: is the Docker daemon running? (docker info)"
  [[ $clusters =~ \"name\":[[:space:]]*\"$CLUSTER_NAME\" ]]
}

cmd_up() {
  phase prerequisites "checking docker, k3d and kubectl"
  require docker k3d kubectl
  local out
  out=$(docker info 2>&1 >/dev/null) || fail "docker" "docker is installed but its daemon is not reachable" "$out" \
    "hint: start Docker Desktop or the Docker service, then run this again"

  phase cluster "cluster $CLUSTER_NAME from ${K3D_CONFIG#"$ROOT"/}"
  if cluster_exists; then
    detail "cluster $CLUSTER_NAME already exists; not creating it"
  else
    k3d cluster create --config "$K3D_CONFIG" || fail "cluster $CLUSTER_NAME" "k3d cluster create failed (see above)"
  fi
  say "waiting up to ${NODES_TIMEOUT}s: nodes Ready"
  out=$(kc wait --for=condition=Ready nodes --all --timeout="${NODES_TIMEOUT}s" 2>&1) ||
    fail "nodes of $CLUSTER_NAME" "not Ready within ${NODES_TIMEOUT}s" "$out" "$(hint_for "$out" default)"
  say "cluster $CLUSTER_NAME is ready (kubectl context $KUBE_CONTEXT)"

  phase image "$S3A_IMAGE from ${S3A_BUILD_DIR#"$ROOT"/}/Dockerfile, imported into $CLUSTER_NAME"
  [[ -f $S3A_BUILD_DIR/Dockerfile ]] || fail "$S3A_BUILD_DIR/Dockerfile" "not found" "hint: set S3A_BUILD_DIR to the folder of the S3A image's Dockerfile"
  docker build -t "$S3A_IMAGE" "$S3A_BUILD_DIR" ||
    fail "image $S3A_IMAGE" "docker build failed (see above)" \
      "hint: the build downloads hadoop-aws and the AWS SDK bundle from Maven Central and checks them against the checksums published beside them; check the network, or set MAVEN_REPOSITORY with --build-arg for a mirror"
  k3d image import "$S3A_IMAGE" -c "$CLUSTER_NAME" ||
    fail "image $S3A_IMAGE" "k3d image import failed (see above)" "hint: is the cluster running? k3d cluster list"
  say "image $S3A_IMAGE is in the cluster's nodes; pods use it without pulling"
}

cmd_down() {
  phase cluster "deleting cluster $CLUSTER_NAME"
  require k3d
  if cluster_exists; then
    k3d cluster delete "$CLUSTER_NAME" || fail "cluster $CLUSTER_NAME" "k3d cluster delete failed (see above)"
  else
    detail "cluster $CLUSTER_NAME does not exist; nothing to delete"
  fi
}

cmd_status() {
  phase status "cluster $CLUSTER_NAME (kubectl context $KUBE_CONTEXT)"
  require k3d kubectl
  if ! cluster_exists; then
    detail "cluster $CLUSTER_NAME does not exist; create it with 'npm run cluster:up'"
    exit 1
  fi
  # Status shows whatever exists; a missing piece (e.g. no CRD yet) is information, not a failure.
  local what
  for what in "nodes" "helmcharts.helm.cattle.io -A" "deployments -n $OPERATOR_NAMESPACE" "deployments -A -l $HISTORY_SERVER_SELECTOR" "sparkapplications -A"; do
    say "kubectl get $what"
    # shellcheck disable=SC2086 # $what holds several words on purpose
    kc get $what || true
  done
  grafana_howto
  print_history_access
}

# How to open Grafana, when the monitoring stack is installed. The Grafana chart generated the admin
# password in the cluster at install time; it is in the Secret only, never in dist/.
grafana_howto() {
  local service="$MONITORING_RELEASE-grafana" found
  found=$(kc get service "$service" -n "$MONITORING_NAMESPACE" --ignore-not-found -o name 2>/dev/null) || found=""
  if [[ -z $found ]]; then
    say "grafana: no Service $MONITORING_NAMESPACE/$service; the monitoring stack is not installed (yet)"
    return 0
  fi
  say "grafana: open it with a port-forward (leave it running), then browse to http://localhost:3000"
  detail "kubectl --context $KUBE_CONTEXT port-forward -n $MONITORING_NAMESPACE service/$service 3000:80" \
    "user: admin; password (generated in the cluster at install, kept in the Secret $MONITORING_NAMESPACE/$service):" \
    "kubectl --context $KUBE_CONTEXT get secret -n $MONITORING_NAMESPACE $service -o jsonpath='{.data.admin-password}' | base64 -d; echo" \
    "dashboards: Spark Operator, Spark jobs, Tenant quota (folder General)"
}

# --- apply --------------------------------------------------------------------------------------------

# manifest_objects FILE: one line "KIND NAMESPACE NAME" per document ("-" for no namespace). The files
# come from cdk8s, whose YAML is block style with metadata's fields indented by two spaces.
manifest_objects() {
  awk '
    function emit() { if (kind != "") print kind, (ns == "" ? "-" : ns), (name == "" ? "-" : name); kind = ns = name = ""; m = 0 }
    function value() { v = $2; gsub(/["\047]/, "", v); return v }
    /^---/ { emit(); next }
    /^[^ #]/ { m = 0 }
    /^kind:/ { kind = value() }
    /^metadata:/ { m = 1; next }
    m && /^  name:/ { name = value() }
    m && /^  namespace:/ { ns = value() }
    END { emit() }
  ' "$1"
}

# wait_for KIND NAME NAMESPACE CONDITION TIMEOUT: kubectl wait fails at once on an object that does not
# exist yet, so first wait for the object to appear, then for the condition, both within TIMEOUT.
# CONDITION is a condition type (Available), or a whole --for expression (jsonpath={.a}=b).
wait_for() {
  local kind=$1 name=$2 ns=$3 condition=$4 timeout=$5 object out for=condition=$4
  [[ $condition != *=* ]] || for=$condition
  local deadline=$((SECONDS + timeout)) ns_args=()
  object="$kind $name"
  if [[ -n $ns ]]; then
    ns_args=(-n "$ns")
    object="$kind $ns/$name"
  fi
  say "waiting up to ${timeout}s: $object $condition"
  while :; do
    out=$(kc_read "$object" "$ns" get "$kind" "$name" ${ns_args[@]+"${ns_args[@]}"} --ignore-not-found -o name) || exit 1
    [[ -z $out ]] || break
    ((SECONDS < deadline)) || fail "$object" "does not exist after ${timeout}s" "$(hint_operator)"
    pause
  done
  local left=$((deadline - SECONDS))
  ((left > 0)) || left=0
  out=$(kc wait ${ns_args[@]+"${ns_args[@]}"} --for="$for" --timeout="${left}s" "$kind/$name" 2>&1) && return 0
  local hint pods_ns=${ns:-$OPERATOR_NAMESPACE} fallback
  hint=$(hint_for "$out $(waiting_reasons "$pods_ns")" "$pods_ns")
  fallback=$(hint_operator)
  [[ $pods_ns == "$OPERATOR_NAMESPACE" ]] || fallback=$(hint_pods "$pods_ns")
  fail "$object" "not $condition within ${timeout}s" "$out" "${hint:-$fallback}"
}

# wait_for_job NAMESPACE JOB TIMEOUT WHAT FAILED ABSENT_HINT: poll the Job until it is Complete; its
# Failed condition is final. WHAT says what the Job does, FAILED what its failure means; ABSENT_HINT
# is for a Job that never appears.
wait_for_job() {
  local ns=$1 job=$2 timeout=$3 what=$4 failed=$5 absent_hint=$6 found
  local deadline=$((SECONDS + timeout))
  say "waiting up to ${timeout}s: Job $ns/$job ($what) complete"
  while :; do
    found=$(kc_read "Job $ns/$job" "$ns" get job "$job" -n "$ns" --ignore-not-found \
      -o jsonpath='{.metadata.name}{range .status.conditions[?(@.status=="True")]}{" "}{.type}{end}') || exit 1
    case " $found " in
      *" Complete "*) return 0 ;;
      *" Failed "*) fail "Job $ns/$job" "$failed" "hint: read its log: kubectl logs -n $ns job/$job" ;;
    esac
    if ((SECONDS >= deadline)); then
      [[ -n $found ]] || fail "Job $ns/$job" "did not appear within ${timeout}s" "$absent_hint"
      fail "Job $ns/$job" "not complete within ${timeout}s" "hint: read its log: kubectl logs -n $ns job/$job"
    fi
    pause
  done
}

# k3s's helm controller installs a HelmChart with the Job helm-install-<name> in the HelmChart's
# namespace. The Job appears some seconds after the HelmChart.
wait_for_helm_job() {
  wait_for_job "$1" "helm-install-$2" "$HELM_JOB_TIMEOUT" "installs HelmChart $1/$2" "the chart install failed" \
    "hint: k3s's helm controller creates it; check: kubectl get helmchart -n $1 $2 -o yaml"
}

# missing_crds TEXT: the CRDs that kubectl's "no matches for kind" errors in TEXT ask for, one a line,
# named as CRDs are (<lower-case kind>s.<group>, e.g. podmonitors.monitoring.coreos.com). Empty when
# TEXT has any other error, which a second apply would not cure, or misses a kind that releases charts
# (k3s's, Flux's or Argo CD's): no chart of dist/ brings those.
missing_crds() {
  awk '
    /no matches for kind "[^"]*" in version "[^"]*"/ {
      match($0, /no matches for kind "[^"]*"/); kind = substr($0, RSTART + 21, RLENGTH - 22)
      match($0, /in version "[^"]*"/); version = substr($0, RSTART + 12, RLENGTH - 13)
      if (kind ~ /^(HelmChart|HelmRelease|HelmRepository|Application)$/) { other = 1; next }
      sub(/\/[^\/]*$/, "", version)
      crd = tolower(kind) "s." version
      if (!(crd in seen)) { seen[crd] = 1; order[++n] = crd }
      next
    }
    /^ensure CRDs are installed first/ || /(created|configured|unchanged)$/ || /^$/ { next }
    { other = 1 }
    END { if (!other) for (i = 1; i <= n; i++) print order[i] }
  ' <<<"$1"
}

# apply_platform_file FILE: applies FILE; when only custom resources of CRDs that no chart has
# installed yet are refused, the file is kept for a second apply (DEFERRED) instead of failing.
DEFERRED=()
apply_platform_file() {
  local file=$1 out crds
  detail "kubectl apply -f ${file##*/}"
  if out=$(kc apply -f "$file" 2>&1); then
    printf '%s\n' "$out" | sed 's/^/      /'
    return 0
  fi
  crds=$(missing_crds "$out")
  [[ -n $crds ]] || fail "${file##*/}" "kubectl apply failed" "$out" "$(hint_for "$out" "$(first_namespace "$file")")"
  printf '%s\n' "$out" | awk '/(created|configured|unchanged)$/ { print "      " $0 }'
  crds=${crds//$'\n'/ }
  detail "the rest of ${file##*/} once a chart has installed the CRDs $crds"
  DEFERRED+=("$file $crds")
}

# apply_jobs_file FILE [WEBHOOK]: a webhook can refuse for a few seconds after its Deployment is
# Available, so a refusal by one is retried.
apply_jobs_file() {
  local file=$1 webhook=${2:-"the operator's webhook"} attempt=1 out
  detail "kubectl apply -f ${file##*/}"
  until out=$(kc apply -f "$file" 2>&1); do
    if [[ $out == *"failed calling webhook"* ]] && ((attempt < WEBHOOK_RETRIES)); then
      detail "$webhook is not serving yet (attempt $attempt of $WEBHOOK_RETRIES); retrying in ${POLL_INTERVAL}s"
      attempt=$((attempt + 1))
      pause
      continue
    fi
    fail "${file##*/}" "kubectl apply failed after $attempt attempt(s)" "$out" \
      "$(hint_for "$out" "$(first_namespace "$file")")"
  done
  printf '%s\n' "$out" | sed 's/^/      /'
}

first_namespace() {
  manifest_objects "$1" | awk '$2 != "-" { print $2; exit }'
}

# manifest_annotation FILE KEY: one line "KIND NAMESPACE NAME VALUE" per document of FILE that has the
# annotation KEY (whose value is one line in cdk8s's YAML, which never folds lines).
manifest_annotation() {
  awk -v key="$2" '
    function emit() { if (kind != "" && found) print kind, (ns == "" ? "-" : ns), (name == "" ? "-" : name), value; kind = ns = name = value = ""; m = a = found = 0 }
    function unquote(v) { if (v ~ /^".*"$/ || v ~ /^\047.*\047$/) v = substr(v, 2, length(v) - 2); return v }
    /^---/ { emit(); next }
    /^[^ #]/ { m = 0; a = 0 }
    /^kind:/ { kind = unquote($2) }
    /^metadata:/ { m = 1; next }
    m && /^  [^ ]/ { a = 0 }
    m && /^  name:/ { name = unquote($2) }
    m && /^  namespace:/ { ns = unquote($2) }
    m && /^  annotations:/ { a = 1; next }
    a && index($0, "    " key ": ") == 1 { value = unquote(substr($0, length(key) + 7)); found = 1 }
    END { emit() }
  ' "$1"
}

# namespace_documents FILE: the Namespace documents of FILE, to apply before the rest of it.
namespace_documents() {
  awk '
    function flush() { if (namespace) printf "---\n%s", doc; doc = ""; namespace = 0 }
    /^---/ { flush(); next }
    { doc = doc $0 "\n" }
    /^kind: Namespace$/ { namespace = 1 }
    END { flush() }
  ' "$1"
}

# --- generated credentials: keys that never are in dist/ --------------------------------------------

ACCESS_KEY_ID=AWS_ACCESS_KEY_ID
SECRET_ACCESS_KEY=AWS_SECRET_ACCESS_KEY

# random_hex BYTES: that many random bytes from the kernel, in hex.
random_hex() {
  od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'
}

# secret_keys NAMESPACE NAME: "<id> <secret>" (base64, as the Secret holds them), or "" when the
# Secret does not exist.
secret_keys() {
  kc_read "Secret $1/$2" "$1" get secret "$2" -n "$1" --ignore-not-found \
    -o "jsonpath={.data.$ACCESS_KEY_ID} {.data.$SECRET_ACCESS_KEY}"
}

# secret_document NAMESPACE NAME FIELD ID SECRET: a Secret with the two keys under FIELD (data or stringData).
secret_document() {
  printf '%s\n' '---' 'apiVersion: v1' 'kind: Secret' 'type: Opaque' 'metadata:' "  name: $2" "  namespace: $1" "$3:" \
    "  $ACCESS_KEY_ID: $4" "  $SECRET_ACCESS_KEY: $5"
}

# ensure_credentials NAMESPACE ENTRY...: for each ENTRY <namespace>/<secret>:<copy>, give the Secret
# random keys unless it has keys already (so applying again keeps them), and write the same keys into
# the Secret <copy> of NAMESPACE, in one server-side apply (which, unlike a client-side one, records no
# copy of them in an annotation). The keys go to kubectl on its standard input only: they are in no
# command line, no file and no output.
ensure_credentials() {
  local store_ns=$1 entry src_ns src copy keys out
  shift
  for entry in "$@"; do
    [[ $entry =~ ^([a-z0-9-]+)/([a-z0-9.-]+):([a-z0-9.-]+)$ ]] ||
      fail "Namespace $store_ns" "its annotation $CREDENTIALS_ANNOTATION has the entry '$entry', which is not <namespace>/<secret>:<copy>" \
        "hint: synthesize dist/ again: npm run synth"
    src_ns=${BASH_REMATCH[1]} src=${BASH_REMATCH[2]} copy=${BASH_REMATCH[3]}
    keys=$(secret_keys "$src_ns" "$src") || exit 1
    if [[ -z $keys ]]; then
      local id secret
      id=$(random_hex 10 | tr a-f A-F)
      secret=$(random_hex 20)
      out=$({ secret_document "$src_ns" "$src" stringData "$id" "$secret"; secret_document "$store_ns" "$copy" stringData "$id" "$secret"; } |
        kc apply --server-side --force-conflicts -f - 2>&1) ||
        fail "Secret $src_ns/$src" "kubectl cannot create it and its copy $store_ns/$copy" "$out" "$(hint_for "$out" "$src_ns")"
      detail "Secret $src_ns/$src: created with new random keys" "Secret $store_ns/$copy: the same keys, for the store's identities"
      continue
    fi
    detail "Secret $src_ns/$src: exists; keeping its keys"
    [[ $keys =~ ^[A-Za-z0-9+/=]+\ [A-Za-z0-9+/=]+$ ]] ||
      fail "Secret $src_ns/$src" "it lacks $ACCESS_KEY_ID or $SECRET_ACCESS_KEY" \
        "hint: delete it (kubectl delete secret -n $src_ns $src) and apply again, which creates it with new keys"
    out=$(secret_document "$store_ns" "$copy" data "${keys% *}" "${keys#* }" | kc apply --server-side --force-conflicts -f - 2>&1) ||
      fail "Secret $store_ns/$copy" "kubectl cannot write it" "$out" "$(hint_for "$out" "$store_ns")"
    detail "Secret $store_ns/$copy: the same keys, for the store's identities"
  done
}

# apply_credentials FILE: apply the file's Namespaces that list generated credentials, then create
# those credentials, so that they exist before anything of the file starts.
apply_credentials() {
  local file=$1 lines kind name value out
  lines=$(manifest_annotation "$file" "$CREDENTIALS_ANNOTATION")
  [[ -n $lines ]] || return 0
  phase credentials "Secrets with generated keys, before ${file##*/} starts anything"
  out=$(namespace_documents "$file" | kc apply -f - 2>&1) || fail "${file##*/}" "kubectl cannot apply its Namespaces" "$out" "$(hint_for "$out" default)"
  printf '%s\n' "$out" | sed 's/^/      /'
  while read -r kind _ name value; do
    [[ $kind == Namespace ]] || continue
    # shellcheck disable=SC2086 # the entries are separated by spaces on purpose
    ensure_credentials "$name" $value
  done <<<"$lines"
}

# history_servers: one line "NAMESPACE SERVICE PORT" per History Server in the cluster.
history_servers() {
  kc get services -A -l "$HISTORY_SERVER_SELECTOR" \
    -o jsonpath='{range .items[*]}{.metadata.namespace}{" "}{.metadata.name}{" "}{.spec.ports[0].port}{"\n"}{end}' 2>/dev/null || true
}

# print_history_access: how each team opens its History Server, each on a local port of its own.
print_history_access() {
  local servers ns service port local_port=$HISTORY_SERVER_PORT
  servers=$(history_servers)
  [[ -n $servers ]] || return 0
  say "Spark History Servers: run the command, then open the URL (Ctrl-C ends the port-forward)"
  while read -r ns service port; do
    [[ -n $ns ]] || continue
    detail "$ns: kubectl --context $KUBE_CONTEXT port-forward -n $ns service/$service $local_port:$port   ->  http://localhost:$local_port"
    local_port=$((local_port + 1))
  done <<<"$servers"
}


# wait_for_workloads FILE: wait for what FILE starts besides its chart installs: the Deployments its
# releases name in their ready-deployments annotation (a k3s chart install does not wait for them),
# then its Jobs to complete, then its Deployments to be available.
wait_for_workloads() {
  local file=$1 objects kind ns name value deployment
  objects=$(manifest_objects "$file")
  while read -r kind ns name value; do
    [[ $kind =~ ^(HelmChart|HelmRelease|Application)$ ]] || continue
    PHASE=$name
    for deployment in $value; do
      wait_for deployment "${deployment#*/}" "${deployment%%/*}" Available "$WORKLOAD_TIMEOUT"
    done
  done <<<"$(manifest_annotation "$file" "$READY_ANNOTATION")"
  while read -r kind ns name; do
    [[ $kind == Job ]] || continue
    PHASE=setup
    wait_for_job "$ns" "$name" "$JOB_TIMEOUT" "from ${file##*/}" "it failed (from ${file##*/})" "hint: it is in ${file##*/}; check: kubectl get jobs -n $ns"
  done <<<"$objects"
  while read -r kind ns name; do
    [[ $kind == Deployment ]] || continue
    PHASE=services
    wait_for deployment "$name" "$ns" Available "$WORKLOAD_TIMEOUT"
  done <<<"$objects"
}

RESULT_ROWS=()
PROBLEMS=()

# follow_app NAMESPACE NAME START: poll the application to a final state, then record its row of the
# table. The applications run side by side, so their bounds count from START, the start of the phase.
follow_app() {
  local ns=$1 name=$2 start=$3 object="SparkApplication $1/$2" state="" last="none"
  say "waiting up to $((start + APP_TIMEOUT - SECONDS))s more: $object COMPLETED or FAILED"
  while :; do
    state=$(kc_read "$object" "$ns" get sparkapplication "$name" -n "$ns" -o jsonpath='{.status.applicationState.state}') || exit 1
    if [[ $state != "$last" ]]; then
      detail "$ns/$name: ${state:-no state yet}"
      last=$state
    fi
    case $state in
      COMPLETED | FAILED | SUBMISSION_FAILED) break ;;
    esac
    if [[ -z $state ]] && ((SECONDS - start >= APP_START_TIMEOUT)); then
      state="NO STATE"
      break
    fi
    if ((SECONDS - start >= APP_TIMEOUT)); then
      state="TIMED OUT (${state:-no state})"
      break
    fi
    pause
  done
  record_result "$ns" "$name" "$state" "$last"
}

# record_result NAMESPACE NAME STATE LAST_SEEN_STATE
record_result() {
  local ns=$1 name=$2 state=$3 seen=$4 object="SparkApplication $1/$2" info type pod result message hint
  info=$(kc get sparkapplication "$name" -n "$ns" -o jsonpath='{.spec.type}{"\t"}{.status.driverInfo.podName}' 2>/dev/null) || true
  type=${info%%$'\t'*}
  pod=${info#*$'\t'}
  [[ $info == *$'\t'* ]] || pod=""
  case $type in
    Python) type=PySpark ;;
    R) type=SparkR ;;
    "") type="?" ;;
  esac
  case $state in
    COMPLETED)
      # A SparkPi prints its estimate; a data pipeline's job one PIPELINE_RESULT line per row it wrote.
      result=$(kc logs -n "$ns" "$pod" 2>/dev/null | awk '/Pi is roughly/ { print "Pi ≈ " $NF; exit } /^PIPELINE_RESULT / { rows++ } END { if (rows) print rows " result rows (npm run cluster:pipeline checks them)" }') || true
      RESULT_ROWS+=("| $ns | $name | $type | ✅ COMPLETED | ${result:-no \"Pi is roughly\" or PIPELINE_RESULT line in the driver log of ${pod:-its driver}} |")
      return
      ;;
    FAILED | SUBMISSION_FAILED)
      message=$(kc get sparkapplication "$name" -n "$ns" -o jsonpath='{.status.applicationState.errorMessage}' 2>/dev/null) || true
      message=${message:-no error message in .status.applicationState}
      hint=$(hint_for "$message" "$ns")
      ;;
    "NO STATE")
      message="no state ${APP_START_TIMEOUT}s after the jobs were applied: the operator has not picked it up"
      hint=$(hint_not_watching "$ns")
      ;;
    *)
      message="still ${seen:-without a state} ${APP_TIMEOUT}s after the jobs were applied"
      local reasons
      reasons=$(waiting_reasons "$ns")
      [[ -z $reasons ]] || message="$message; pods in $ns are waiting: $reasons"
      hint=$(hint_for "$reasons" "$ns")
      ;;
  esac
  RESULT_ROWS+=("| $ns | $name | $type | ❌ $state | see below |")
  PROBLEMS+=("$object $state: $message${hint:+$'\n'$hint}")
}

cmd_apply() {
  phase prerequisites "checking kubectl and the manifests in $DIST_DIR"
  require kubectl
  local file objects platform_files=() job_files=() helm_charts=() helm_releases=() argo_apps=() apps=() kind ns name
  shopt -s nullglob
  for file in "$DIST_DIR"/*.yaml; do
    objects=$(manifest_objects "$file")
    if [[ $'\n'$objects == *$'\n'"SparkApplication "* ]]; then
      job_files+=("$file")
    else
      platform_files+=("$file")
    fi
    while read -r kind ns name; do
      case $kind in
        HelmChart) helm_charts+=("$ns $name") ;;
        HelmRelease) helm_releases+=("$ns $name") ;;
        Application) argo_apps+=("$ns $name") ;;
        SparkApplication) apps+=("$ns $name") ;;
      esac
    done <<<"$objects"
  done
  shopt -u nullglob
  ((${#platform_files[@]} + ${#job_files[@]} > 0)) ||
    fail "$DIST_DIR" "no *.yaml manifests" "hint: synthesize them first: npm run synth"
  # Charts install in file order: k3s starts a chart's install as soon as its HelmChart exists, so
  # the next file waits until the charts of this one are installed (their CRDs with them).
  phase platform "applying ${#platform_files[@]} file(s), each after the charts of the one before"
  local crd crds monitoring="" volcano=""
  for file in ${platform_files[@]+"${platform_files[@]}"}; do
    apply_credentials "$file"
    PHASE=platform
    apply_platform_file "$file"
    while read -r kind ns name; do
      case $kind in
        HelmChart) wait_for_helm_job "$ns" "$name" ;;
        # Flux and Argo CD install the charts themselves; a release is done when Flux says Ready, an
        # Application when Argo CD finds everything it synced Healthy.
        HelmRelease) wait_for helmreleases.helm.toolkit.fluxcd.io "$name" "$ns" Ready "$HELM_JOB_TIMEOUT" ;;
        Application) wait_for applications.argoproj.io "$name" "$ns" 'jsonpath={.status.health.status}=Healthy' "$HELM_JOB_TIMEOUT" ;;
        *) continue ;;
      esac
      [[ $name != "$MONITORING_RELEASE" ]] || monitoring=yes
      [[ $name != "$VOLCANO_RELEASE" ]] || volcano=yes
    done <<<"$(manifest_objects "$file")"
    wait_for_workloads "$file"
    PHASE=platform
  done
  # Volcano's webhook admits its Queues (failurePolicy Fail), and its scheduler must run before any
  # job is gang-scheduled: it is waited for before the deferred custom resources and the jobs.
  if [[ -n $volcano ]]; then
    phase volcano "waiting for Volcano in $VOLCANO_NAMESPACE"
    for name in admission controllers scheduler; do
      wait_for deployment "$VOLCANO_RELEASE-$name" "$VOLCANO_NAMESPACE" Available "$VOLCANO_TIMEOUT"
    done
  fi
  local deferred
  for deferred in ${DEFERRED[@]+"${DEFERRED[@]}"}; do
    read -r file crds <<<"$deferred"
    for crd in $crds; do
      wait_for customresourcedefinition "$crd" "" Established "$CRD_TIMEOUT"
    done
    apply_jobs_file "$file" "a webhook"
  done

  if [[ -n $monitoring ]]; then
    phase monitoring "waiting for Prometheus and Grafana in $MONITORING_NAMESPACE"
    wait_for deployment "$MONITORING_RELEASE-operator" "$MONITORING_NAMESPACE" Available "$MONITORING_TIMEOUT"
    wait_for statefulset "prometheus-$MONITORING_RELEASE-prometheus" "$MONITORING_NAMESPACE" "jsonpath={.status.readyReplicas}=1" "$MONITORING_TIMEOUT"
    wait_for deployment "$MONITORING_RELEASE-grafana" "$MONITORING_NAMESPACE" Available "$MONITORING_TIMEOUT"
    grafana_howto
  fi

  phase operator "waiting for the Spark Operator"
  # Without any chart release in dist/ the operator's chart is expected to be installed as k3s would.
  ((${#helm_charts[@]} + ${#helm_releases[@]} + ${#argo_apps[@]} > 0)) || wait_for_helm_job kube-system "$OPERATOR_RELEASE"
  wait_for customresourcedefinition "$SPARK_CRD" "" Established "$CRD_TIMEOUT"
  wait_for deployment "$OPERATOR_RELEASE-controller" "$OPERATOR_NAMESPACE" Available "$OPERATOR_TIMEOUT"
  wait_for deployment "$OPERATOR_RELEASE-webhook" "$OPERATOR_NAMESPACE" Available "$OPERATOR_TIMEOUT"

  phase jobs "applying ${#job_files[@]} file(s)"
  for file in ${job_files[@]+"${job_files[@]}"}; do
    apply_jobs_file "$file"
  done

  phase results "following ${#apps[@]} SparkApplication(s), all within ${APP_TIMEOUT}s"
  local app start=$SECONDS
  for app in ${apps[@]+"${apps[@]}"}; do
    follow_app "${app%% *}" "${app#* }" "$start"
  done
  printf '\n%s\n%s\n' "| Namespace | Application | Type | State | Result |" "|---|---|---|---|---|"
  printf '%s\n' ${RESULT_ROWS[@]+"${RESULT_ROWS[@]}"}
  printf '\n'
  print_history_access
  if ((${#PROBLEMS[@]} > 0)); then
    fail "SparkApplications" "${#PROBLEMS[@]} of ${#apps[@]} did not complete" "${PROBLEMS[@]}"
  fi
  say "all ${#apps[@]} SparkApplication(s) COMPLETED"
}

# --- pipeline -----------------------------------------------------------------------------------------

PIPELINE_LABEL=spark-platform.io/pipeline
PIPELINE_APP_ANNOTATION=spark-platform.io/spark-application

# pipeline_objects FILE: one line "KIND NAMESPACE NAME PIPELINE APPLICATION" per document whose
# metadata.labels has PIPELINE_LABEL ("-" for no application annotation). cdk8s writes metadata's
# maps two spaces in, their entries four.
pipeline_objects() {
  awk -v label="$PIPELINE_LABEL" -v annotation="$PIPELINE_APP_ANNOTATION" '
    function emit() { if (kind != "" && pipeline != "") print kind, (ns == "" ? "-" : ns), name, pipeline, (app == "" ? "-" : app); kind = ns = name = pipeline = app = ""; m = 0; sub_ = "" }
    function value() { v = $2; gsub(/["\047]/, "", v); return v }
    /^---/ { emit(); next }
    /^[^ #]/ { m = 0 }
    /^kind:/ { kind = value() }
    /^metadata:/ { m = 1; next }
    m && /^  [^ ]/ { sub_ = $1 }
    m && /^  name:/ { name = value() }
    m && /^  namespace:/ { ns = value() }
    m && sub_ == "labels:" && $1 == label ":" { pipeline = value() }
    m && sub_ == "annotations:" && $1 == annotation ":" { app = value() }
    END { emit() }
  ' "$1"
}

# pipeline_expected PIPELINE: the file with the pipeline's expected result, if there is one.
pipeline_expected() {
  local file=${PIPELINE_EXPECTED:-$ROOT/pipelines/$1/expected.json}
  [[ -f $file ]] && printf '%s\n' "$file"
  return 0
}

# compare_rows EXPECTED: compares the JSON rows on stdin (one object a line) with the JSON array in
# EXPECTED, numbers to 1e-9 of their size; prints what differs and fails, or prints nothing.
compare_rows() {
  # shellcheck disable=SC2016 # a JavaScript program, not shell
  node -e '
    const fs = require("fs");
    const expected = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    const got = fs.readFileSync(0, "utf8").split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l));
    const key = (r) => JSON.stringify(Object.keys(r).sort().filter((k) => typeof r[k] !== "number").map((k) => r[k]));
    const same = (a, b) => typeof a === "number" && typeof b === "number" ? Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b)) : a === b;
    const byKey = new Map(got.map((r) => [key(r), r]));
    const problems = [];
    if (got.length !== expected.length) problems.push(`${got.length} rows, expected ${expected.length}`);
    for (const e of expected) {
      const g = byKey.get(key(e));
      if (!g) { problems.push(`missing ${JSON.stringify(e)}`); continue; }
      for (const k of Object.keys(e)) if (!same(g[k], e[k])) problems.push(`${key(e)} ${k}: ${JSON.stringify(g[k])}, expected ${JSON.stringify(e[k])}`);
    }
    if (problems.length > 0) { console.log(problems.slice(0, 10).join("\n")); process.exit(1); }
  ' "$1"
}

cmd_pipeline() {
  phase prerequisites "checking kubectl and the data pipeline in $DIST_DIR"
  require kubectl node
  local file kind ns name pipeline app jobs=() apps=()
  shopt -s nullglob
  for file in "$DIST_DIR"/*.yaml; do
    while read -r kind ns name pipeline app; do
      [[ -n $kind ]] || continue
      [[ $kind != Job ]] || jobs+=("$ns $name $pipeline")
      [[ $app == - ]] || apps+=("$ns $app $pipeline")
    done <<<"$(pipeline_objects "$file")"
  done
  ((${#jobs[@]} + ${#apps[@]} > 0)) ||
    fail "$DIST_DIR" "holds no data pipeline (no object labelled $PIPELINE_LABEL)" "hint: add one in platform.ts (see README, A data pipeline) and run npm run synth"

  phase load "waiting for ${#jobs[@]} loading Job(s)"
  local entry
  for entry in ${jobs[@]+"${jobs[@]}"}; do
    read -r ns name pipeline <<<"$entry"
    wait_for_job "$ns" "$name" "$JOB_TIMEOUT" "loads the data of pipeline $pipeline" "the data was not loaded" \
      "hint: apply dist/ first: npm run cluster:apply"
  done

  local deadline=$((SECONDS + PIPELINE_TIMEOUT)) state last info pod rows expected diff failures=0
  for entry in ${apps[@]+"${apps[@]}"}; do
    read -r ns app pipeline <<<"$entry"
    phase "$pipeline" "waiting up to $((deadline - SECONDS))s: SparkApplication $ns/$app COMPLETED or FAILED"
    last=none
    while :; do
      state=$(kc_read "SparkApplication $ns/$app" "$ns" get sparkapplication "$app" -n "$ns" -o jsonpath='{.status.applicationState.state}') || exit 1
      if [[ $state != "$last" ]]; then
        detail "$ns/$app: ${state:-no state yet}"
        last=$state
      fi
      case $state in
        COMPLETED) break ;;
        FAILED | SUBMISSION_FAILED)
          local message
          message=$(kc get sparkapplication "$app" -n "$ns" -o jsonpath='{.status.applicationState.errorMessage}' 2>/dev/null) || true
          fail "SparkApplication $ns/$app" "$state: ${message:-no error message in .status.applicationState}" "$(hint_for "$message" "$ns")"
          ;;
      esac
      ((SECONDS < deadline)) || fail "SparkApplication $ns/$app" "still ${state:-without a state} after ${PIPELINE_TIMEOUT}s" "$(hint_pods "$ns")"
      pause
    done
    info=$(kc get sparkapplication "$app" -n "$ns" -o jsonpath='{.spec.type}{"\t"}{.status.driverInfo.podName}' 2>/dev/null) || true
    pod=${info#*$'\t'}
    [[ -n $pod && $info == *$'\t'* ]] || fail "SparkApplication $ns/$app" "COMPLETED without a driver pod in .status.driverInfo" "hint: kubectl get sparkapplication -n $ns $app -o yaml"
    rows=$(kc logs -n "$ns" "$pod" 2>/dev/null | awk '/^PIPELINE_RESULT / { sub(/^PIPELINE_RESULT /, ""); print }') || true
    [[ -n $rows ]] || fail "SparkApplication $ns/$app" "COMPLETED, but its driver $pod logged no PIPELINE_RESULT line" "hint: kubectl logs -n $ns $pod"
    say "$(printf '%s\n' "$rows" | awk 'END { print NR }') result row(s) in the log of $ns/$pod; the first:"
    printf '%s\n' "$rows" | awk 'NR <= 5 { print "      " $0 }'
    expected=$(pipeline_expected "$pipeline")
    if [[ -z $expected ]]; then
      say "no expected result for pipeline $pipeline (pipelines/$pipeline/expected.json); not compared"
    elif diff=$(printf '%s\n' "$rows" | compare_rows "$expected"); then
      say "✅ $ns/$app: the result matches ${expected#"$ROOT"/}"
    else
      failures=$((failures + 1))
      PROBLEMS+=("SparkApplication $ns/$app: its result differs from ${expected#"$ROOT"/}:"$'\n'"$diff")
    fi
  done
  if ((failures > 0)); then
    PHASE=pipeline
    printf '%s\n' "${PROBLEMS[@]}" >&2
    fail "pipeline" "$failures result(s) differ from the expected" "hint: compare with npm run pipeline:expected, which computes the expected result from the vendored data"
  fi
}

usage() {
  printf 'usage: %s up|apply|status|pipeline|down\n' "${0##*/}" >&2
  exit 2
}

case ${1:-} in
  up) cmd_up ;;
  apply) cmd_apply ;;
  status) cmd_status ;;
  pipeline) cmd_pipeline ;;
  down) cmd_down ;;
  *) usage ;;
esac
