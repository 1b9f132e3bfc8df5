"""The differential cache property: a cached run reports exactly what `--no-cache` reports (see harness)."""
