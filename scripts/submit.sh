#!/usr/bin/env bash
# Submit a training job to a Spark cluster:
#
#   scripts/submit.sh --cluster cluster-config/X.yaml --job JOB.yaml [--dry-run] [--run DIR] [--set key=value ...]
#
# Builds the application jar (cli/target/tandem-spark-app.jar: Tandem and its libraries, Spark/Scala/Hadoop provided
# by the cluster) unless --dry-run, then runs spark-submit with the master, deploy mode, resources, Java 17 and Aeron
# flags and executor environment the cluster config implies (`tandem submit --help`). --dry-run prints the exact
# command. spark-submit comes from $SPARK_HOME; without one, standalone and local masters (the loopback cluster of
# scripts/local-cluster.sh) use Spark's launcher from Tandem's own class path.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
APP_JAR="$ROOT/cli/target/tandem-spark-app.jar"

dry=0
for a in "$@"; do
  case "$a" in
    --dry-run) dry=1 ;;
    -h|--help) exec "$ROOT/scripts/tandem" submit --help ;;
  esac
done

"$ROOT/scripts/tandem" --version >/dev/null      # builds cli/target/tandem.jar and lib/ if missing or stale
if [ "$dry" = 0 ] && { [ ! -f "$APP_JAR" ] || [ "$ROOT/cli/target/tandem.jar" -nt "$APP_JAR" ]; }; then
  echo "submit: building the application jar $APP_JAR ..." >&2
  (cd "$ROOT" && mvn -B -q -DskipTests -Dmaven.test.skip=true package -pl cli -am -Pspark-app) >&2 \
    || { echo "submit: building the application jar failed" >&2; exit 1; }
fi
exec "$ROOT/scripts/tandem" submit "$@"
