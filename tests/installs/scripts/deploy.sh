#!/usr/bin/env bash
# Deploys the Todo app to dev and prod. Usage: ./deploy.sh [extra helm args]
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CHART="$SCRIPT_DIR/helm/todo-app"
RELEASE=todo
NAMESPACE=${NAMESPACE:-todo}
SECRET_KEY=${SECRET_KEY:-change-me}

for env in dev prod; do
  echo "==> deploying $RELEASE to $NAMESPACE-$env"
  helm upgrade --install "$RELEASE" "$CHART" \
    --namespace "$NAMESPACE-$env" --create-namespace \
    -f "$CHART/values-$env.yaml" \
    --set backend.secretKey="$SECRET_KEY" \
    --set frontend.image.pullPolicy=Always \
    --wait --timeout 5m "$@"
done
