#!/usr/bin/env bash
# The local k3d cluster of the Spark platform (docs/k3d.md).
#
#   k3d/platform.sh up        check docker, k3d and kubectl; create the cluster unless it exists; build
#                             the Spark image with the S3A client and import it into the cluster
#   k3d/platform.sh apply     apply dist/ as synth's plan (dist.plan.json) says: cluster/main.ts apply
#   k3d/platform.sh pipeline  check the data pipeline's results: cluster/main.ts pipeline
#   k3d/platform.sh status    show the cluster and the platform: cluster/main.ts status
#   k3d/platform.sh down      delete the cluster
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
K3D_CONFIG=${K3D_CONFIG:-${ROOT}/k3d/k3d-config.yaml}
NODES_TIMEOUT=${NODES_TIMEOUT:-120}
# The image of jobs that use object storage and of the History Servers (SPARK_S3A_IMAGE in
# lib/addons/storage/s3a.ts); a test keeps the two in step.
S3A_IMAGE=${S3A_IMAGE:-spark-platform/spark-s3a:4.0.0-hadoop-aws-3.4.1}
S3A_BUILD_DIR=${S3A_BUILD_DIR:-${ROOT}/k3d/spark-s3a}
PHASE=settings

say() { printf '==> [%s] %s\n' "${PHASE}" "$*"; }
phase() { PHASE=$1; shift; say "$@"; }

# fail OBJECT MESSAGE [DETAIL...]: the last words of every failed run name the phase and the object.
fail() {
  printf 'FAILED [%s] %s: %s\n' "${PHASE}" "$1" "$2" >&2
  shift 2
  local line
  for line in "$@"; do
    if [[ -n ${line} ]]; then printf '%s\n' "${line}" >&2; fi
  done
  exit 1
}

[[ ${NODES_TIMEOUT} =~ ^[0-9]+$ ]] || fail NODES_TIMEOUT "must be a whole number (of seconds for timeouts), not '${NODES_TIMEOUT}'"
[[ -f ${K3D_CONFIG} ]] || fail "${K3D_CONFIG}" "k3d config not found" "hint: set K3D_CONFIG to the cluster config file"
# The cluster name lives in the k3d config only, so read it from there.
CLUSTER_NAME=$(awk '/^metadata:/ { m = 1; next } /^[^ #]/ { m = 0 } m && $1 == "name:" { gsub(/["\047]/, "", $2); print $2; exit }' "${K3D_CONFIG}")
[[ -n ${CLUSTER_NAME} ]] || fail "${K3D_CONFIG}" "no metadata.name in the k3d config"
export KUBE_CONTEXT=${KUBE_CONTEXT:-k3d-${CLUSTER_NAME}}

require() {
  local tool missing=() messages=()
  declare -A install=([docker]="install Docker Desktop or Docker Engine: https://docs.docker.com/get-docker/"
    [k3d]="install k3d: https://k3d.io/#installation" [kubectl]="install kubectl: https://kubernetes.io/docs/tasks/tools/"
    [node]="install Node.js 20 or later: https://nodejs.org/")
  for tool in "$@"; do
    if ! command -v "${tool}" >/dev/null 2>&1; then
      missing+=("${tool}")
      messages+=("missing prerequisite: ${tool} is not on PATH; ${install[${tool}]}")
    fi
  done
  if ((${#missing[@]} > 0)); then
    fail prerequisites "missing ${missing[*]}" "${messages[@]}"
  fi
}

# find_cluster: EXISTS=yes when k3d has the cluster, else EXISTS="".
find_cluster() {
  local clusters
  EXISTS=
  clusters=$(k3d cluster list -o json 2>&1) || fail "k3d cluster list" "k3d cannot list clusters" "${clusters}" \
    "hint: is the Docker daemon running? (docker info)"
  if [[ ${clusters} =~ \"name\":[[:space:]]*\"${CLUSTER_NAME}\" ]]; then EXISTS=yes; fi
}

cmd_up() {
  phase prerequisites "checking docker, k3d and kubectl"
  require docker k3d kubectl
  local out
  out=$(docker info 2>&1 >/dev/null) || fail docker "docker is installed but its daemon is not reachable" "${out}" \
    "hint: start Docker Desktop or the Docker service, then run this again"

  phase cluster "cluster ${CLUSTER_NAME} from ${K3D_CONFIG#"${ROOT}"/}"
  find_cluster
  if [[ -n ${EXISTS} ]]; then
    printf '    %s\n' "cluster ${CLUSTER_NAME} already exists; not creating it"
  else
    k3d cluster create --config "${K3D_CONFIG}" || fail "cluster ${CLUSTER_NAME}" "k3d cluster create failed (see above)"
  fi
  say "waiting up to ${NODES_TIMEOUT}s: nodes Ready"
  out=$(kubectl --context "${KUBE_CONTEXT}" wait --for=condition=Ready nodes --all --timeout="${NODES_TIMEOUT}s" 2>&1) ||
    fail "nodes of ${CLUSTER_NAME}" "not Ready within ${NODES_TIMEOUT}s" "${out}" \
      "hint: is the cluster running? Create it with 'npm run cluster:up' (k3d/platform.sh up)" \
      "  - kubectl context used: ${KUBE_CONTEXT} (override with KUBE_CONTEXT)"
  say "cluster ${CLUSTER_NAME} is ready (kubectl context ${KUBE_CONTEXT})"

  phase image "${S3A_IMAGE} from ${S3A_BUILD_DIR#"${ROOT}"/}/Dockerfile, imported into ${CLUSTER_NAME}"
  [[ -f ${S3A_BUILD_DIR}/Dockerfile ]] || fail "${S3A_BUILD_DIR}/Dockerfile" "not found" "hint: set S3A_BUILD_DIR to the folder of the S3A image's Dockerfile"
  docker build -t "${S3A_IMAGE}" "${S3A_BUILD_DIR}" || fail "image ${S3A_IMAGE}" "docker build failed (see above)" \
    "hint: the build downloads hadoop-aws and the AWS SDK bundle from Maven Central and checks them against the checksums published beside them; check the network, or set MAVEN_REPOSITORY with --build-arg for a mirror"
  k3d image import "${S3A_IMAGE}" -c "${CLUSTER_NAME}" ||
    fail "image ${S3A_IMAGE}" "k3d image import failed (see above)" "hint: is the cluster running? k3d cluster list"
  say "image ${S3A_IMAGE} is in the cluster's nodes; pods use it without pulling"
}

cmd_down() {
  phase cluster "deleting cluster ${CLUSTER_NAME}"
  require k3d
  find_cluster
  if [[ -n ${EXISTS} ]]; then
    k3d cluster delete "${CLUSTER_NAME}" || fail "cluster ${CLUSTER_NAME}" "k3d cluster delete failed (see above)"
  else
    printf '    %s\n' "cluster ${CLUSTER_NAME} does not exist; nothing to delete"
  fi
}

# run COMMAND: the apply command, which knows the platform from synth's plan (cluster/main.ts).
run() {
  phase prerequisites "checking kubectl and node"
  require kubectl node
  if [[ $1 == status ]]; then
    require k3d
    find_cluster
    [[ -n ${EXISTS} ]] || fail "cluster ${CLUSTER_NAME}" "does not exist" "hint: create it with 'npm run cluster:up'"
  fi
  exec node "${ROOT}/node_modules/ts-node/dist/bin.js" --transpile-only --project "${ROOT}/tsconfig.json" "${ROOT}/cluster/main.ts" "$1"
}

case ${1:-} in
  up) cmd_up ;;
  down) cmd_down ;;
  apply | pipeline | status) run "$1" ;;
  *)
    printf 'usage: %s up|apply|status|pipeline|down\n' "${0##*/}" >&2
    exit 2
    ;;
esac
