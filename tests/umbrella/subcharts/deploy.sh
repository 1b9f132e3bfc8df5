#!/usr/bin/env bash
# Installs the whole Todo app (frontend + backend) as one release.
set -euo pipefail
cd "$(dirname "$0")"

helm dependency update todo-app
helm upgrade --install todo todo-app -n todo -f todo-app/values-prod.yaml
