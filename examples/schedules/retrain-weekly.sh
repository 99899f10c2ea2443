#!/usr/bin/env bash
# One scheduled turn of the retraining loop (what cron, the Kubernetes CronJob and the Airflow DAG beside this file run):
# drift of the newest week against the production model's profile, then one retrain cycle whose challenger trains on the
# cluster. Not run by the tests: adapt the paths and the cluster config.
#
#   REGISTRY=hdfs://nn:8020/models NAME=recs RETRAIN=examples/retrain-movielens-100k.yaml \
#   CLUSTER=cluster-config/yarn.yaml examples/schedules/retrain-weekly.sh
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
: "${RETRAIN:?the retrain config}" "${CLUSTER:?the cluster config (cluster-config/*.yaml)}"
REPORTS="${REPORTS:-${TANDEM_HOME:-$ROOT/tandem-work}/drift/$(date -u +%Y%m%dT%H%M%SZ)}"

# 1. drift: exit 0 ok, 1 warn, 2 alert (3/4: the command failed). A drift alert does not stop the cycle: the gate
#    decides on the challenger's evidence; the alert is for people (page, ticket, dashboard).
if [ -n "${REGISTRY:-}" ] && [ -n "${NAME:-}" ] && [ -n "${JOB:-}" ]; then
  "$ROOT/scripts/tandem" drift --reference "$REGISTRY/$NAME@production" --job "$JOB" --current-split test --out "$REPORTS"
  status=$?
  case $status in
    0) echo "drift: ok" ;;
    1) echo "drift: warn (see $REPORTS/drift.html)" ;;
    2) echo "drift: ALERT (see $REPORTS/drift.html)" ;;
    *) echo "drift: the check itself failed ($status)"; exit $status ;;
  esac
fi

# 2. one retrain cycle at the current time; resumable: if this process is killed, the next run continues the cycle.
#    A job with cluster.mode: spark trains the challenger on the cluster, as tandem train --cluster (and
#    scripts/submit.sh) do.
exec "$ROOT/scripts/tandem" retrain --config "$RETRAIN" --cluster "$CLUSTER"
