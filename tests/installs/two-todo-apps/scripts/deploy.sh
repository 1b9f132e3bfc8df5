#!/bin/sh
# ./scripts/deploy.sh <dev|prod>
set -e
ENVIRONMENT=${1:-dev}
CHART_DIR="$(dirname "$0")/../helm/todo-app"

helm upgrade --install "todo-app-${ENVIRONMENT}" "$CHART_DIR" \
  --namespace "todo-${ENVIRONMENT}" \
  --values "$CHART_DIR/values-${ENVIRONMENT}.yaml"
