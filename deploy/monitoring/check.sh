#!/usr/bin/env bash
# Checks the alert rules with Prometheus's own tool: the syntax
# (`promtool check rules`) and their behaviour at the seed's thresholds
# (`promtool test rules`: velocity 0.49 and average health 69 fire, 0.5 and
# 70 do not). promtool comes from Debian's `prometheus` package, installed
# by `deploy/setup.sh prometheus`.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROMTOOL="${PROMTOOL:-$(command -v promtool || true)}"
if [ -z "$PROMTOOL" ]; then
  echo "monitoring: promtool not found; run deploy/setup.sh prometheus" >&2
  exit 1
fi
cd "$HERE"
"$PROMTOOL" check rules alerts.yml
"$PROMTOOL" test rules alerts_test.yml
echo "monitoring: alert rules checked and tested"
