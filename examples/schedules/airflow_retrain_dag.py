"""Airflow DAG: weekly drift check, then one retraining cycle (challenger on the cluster), then a report of the decision.

Each task is a Tandem command; `tandem retrain` is idempotent and resumable, so Airflow's retries continue a cycle
rather than repeat it. The drift task maps Tandem's exit codes (0 ok, 1 warn, 2 alert) to success, so an alert is
recorded (XCom, the HTML report) without blocking the retrain: the gate decides whether the challenger is promoted.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

TANDEM = "/opt/tandem/scripts/tandem"
REGISTRY = "hdfs://nn:8020/models"
NAME = "recs"
JOB = "/opt/tandem/jobs/recs-ranking.yaml"
RETRAIN = "/opt/tandem/jobs/retrain.yaml"
CLUSTER = "/opt/tandem/cluster-config/yarn.yaml"

with DAG(
    dag_id="tandem_retrain",
    schedule="0 3 * * 1",
    start_date=datetime(2024, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
) as dag:
    drift = BashOperator(
        task_id="drift",
        bash_command=(
            f"{TANDEM} drift --reference {REGISTRY}/{NAME}@production --job {JOB} --current-split test "
            "--out /work/drift/{{ ts_nodash }}; rc=$?; echo drift_exit=$rc; [ $rc -le 2 ]"
        ),
    )
    retrain = BashOperator(
        task_id="retrain",
        # the cycle's time is the DAG run's logical date: a backfill replays the same cycle, never a new one
        bash_command=f"{TANDEM} retrain --config {RETRAIN} --cluster {CLUSTER} --at {{{{ data_interval_end | ts }}}}",
    )
    show = BashOperator(task_id="decisions", bash_command=f"{TANDEM} retrain --config {RETRAIN} --show")
    drift >> retrain >> show
