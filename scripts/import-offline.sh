#!/usr/bin/env bash
# Regenerates imports/ from local copies of the pinned upstream CRDs, for machines without network.
# Usage: scripts/import-offline.sh [UPSTREAM_DIR]   (default: ../shared/upstream beside the project)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
upstream="$(cd "${1:-$repo/../shared/upstream}" && pwd)"
# cdk8s import records each source it is given in the cdk8s.yaml of its folder; running it in a
# scratch folder keeps this project's cdk8s.yaml naming the pinned upstream URLs only.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for crd in \
  "$upstream/spark-operator-2.3.0/sparkoperator.k8s.io_sparkapplications.yaml" \
  "$upstream/k3s-helm-controller/helm.cattle.io_helmcharts.yaml"; do
  if [ ! -f "$crd" ]; then
    echo "missing $crd: pass the folder that holds spark-operator-2.3.0/ and k3s-helm-controller/" >&2
    exit 1
  fi
  (cd "$scratch" && "$repo/node_modules/.bin/cdk8s" import --no-check-upgrade --language typescript --output "$repo/imports" "$crd")
done
