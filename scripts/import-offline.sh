#!/usr/bin/env bash
# Regenerates imports/ from the vendored upstream CRDs in upstream/ (no network needed). `npm run import`
# does the same from the pinned URLs in cdk8s.yaml.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
# cdk8s import records each source it is given in the cdk8s.yaml of its folder; running it in a
# scratch folder keeps this project's cdk8s.yaml naming the pinned upstream URLs only.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
for crd in \
  "$repo/upstream/spark-operator-2.3.0/sparkoperator.k8s.io_sparkapplications.yaml" \
  "$repo/upstream/k3s-helm-controller/helm.cattle.io_helmcharts.yaml"; do
  (cd "$scratch" && "$repo/node_modules/.bin/cdk8s" import --no-check-upgrade --language typescript --output "$repo/imports" "$crd")
done
# Imported with a prefix (imports/monitoring-monitoring.coreos.com.ts), as cdk8s.yaml names it.
(cd "$scratch" && "$repo/node_modules/.bin/cdk8s" import --no-check-upgrade --language typescript --output "$repo/imports" \
  "monitoring:=$repo/upstream/kube-prometheus-stack/crd-podmonitors.yaml")
