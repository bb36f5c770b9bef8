#!/usr/bin/env bash
# Regenerates imports/ from the upstream CRDs pinned in upstream.lock.json, read from upstream/ (which
# `npm run upstream:fetch` fills). `npm run import` does the same from the pinned URLs in cdk8s.yaml;
# the list below names the same files in upstream/, in the same order and with the same prefixes
# (test/upstream/imports.test.ts checks both).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
if [ -z "$(ls -A "$repo/upstream" 2>/dev/null)" ]; then
  echo "upstream/ is empty: run npm run upstream:fetch first" >&2
  exit 1
fi
crds=(
  "$repo/upstream/spark-operator-2.3.0/sparkoperator.k8s.io_sparkapplications.yaml"
  "$repo/upstream/k3s-helm-controller/helm.cattle.io_helmcharts.yaml"
  "flux:=$repo/upstream/flux/helm.toolkit.fluxcd.io_helmreleases.yaml"
  "flux:=$repo/upstream/flux/source.toolkit.fluxcd.io_helmrepositories.yaml"
  "argocd:=$repo/upstream/argo-cd/application-crd.yaml"
  "monitoring:=$repo/upstream/kube-prometheus-stack/crd-podmonitors.yaml"
  "scheduled:=$repo/upstream/spark-operator-2.3.0/sparkoperator.k8s.io_scheduledsparkapplications.yaml"
  "volcano:=$repo/upstream/volcano/scheduling.volcano.sh_queues.yaml"
)
# cdk8s import reads the list from the cdk8s.yaml of its folder: a scratch folder keeps this
# project's cdk8s.yaml naming the pinned upstream URLs only. One run imports them all.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
{
  echo "language: typescript"
  echo "imports:"
  for crd in "${crds[@]}"; do
    printf '  - "%s"\n' "$crd"
  done
} >"$scratch/cdk8s.yaml"
(cd "$scratch" && "$repo/node_modules/.bin/cdk8s" import --no-check-upgrade --output "$repo/imports")
