#!/usr/bin/env bash
# Regenerates imports/ from local copies of the pinned upstream CRDs, for machines without network.
# Usage: scripts/import-offline.sh [UPSTREAM_DIR]   (default: ../shared/upstream beside the project)
set -euo pipefail
cd "$(dirname "$0")/.."
upstream="${1:-../shared/upstream}"
for crd in \
  "$upstream/spark-operator-2.3.0/sparkoperator.k8s.io_sparkapplications.yaml" \
  "$upstream/k3s-helm-controller/helm.cattle.io_helmcharts.yaml"; do
  if [ ! -f "$crd" ]; then
    echo "missing $crd: pass the folder that holds spark-operator-2.3.0/ and k3s-helm-controller/" >&2
    exit 1
  fi
  npx cdk8s import --no-check-upgrade --language typescript --output imports "$crd"
done
