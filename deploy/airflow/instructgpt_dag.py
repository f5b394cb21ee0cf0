"""The InstructGPT pipeline as an Airflow DAG: one spark-submit per stage of the cluster jar, chained.

prepare -> pretrain -> sft -> label -> rm -> select_sft -> ppo_ptx -> ppo -> eval -> report

Every stage writes under one run directory per DAG run ({{ run_id }}, made path-safe), reads the previous stage's
output there (the defaults in reference.conf chain the stages through instructgpt.run-dir), and the training stages
run with --resume, so an Airflow retry continues from the newest valid checkpoint instead of starting over. The other
stages write their output only once it is complete, so a retry simply runs them again from the same seed.

Install: copy this file into the DAGs folder, put the cluster jar and conf/ where the workers can read them, and set
the Params (or the Airflow Variables they default from) for your cluster. Needs apache-airflow-providers-apache-spark.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.models.param import Param
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

# The JVM flags every driver and executor needs (deploy/spark-submit.sh sets the same): Spark's module opens and the
# Vector API the array engine runs on.
_OPENS = " ".join(
    f"--add-opens=java.base/{p}=ALL-UNNAMED"
    for p in ["java.lang", "java.lang.invoke", "java.lang.reflect", "java.io", "java.net", "java.nio", "java.util",
              "java.util.concurrent", "java.util.concurrent.atomic", "sun.nio.ch", "sun.nio.cs",
              "sun.security.action", "sun.util.calendar"]
) + " --add-modules=jdk.incubator.vector"

# A run id such as manual__2026-12-02T18:00:00+00:00 holds ':' and '+', which Hadoop paths do not allow.
RUN_DIR = "{{ params.runs_root }}/{{ run_id | replace(':', '-') | replace('+', '_') }}"

# (task id, subcommand, extra arguments): the stages in order. PPO without ptx is the same command with the ptx
# coefficient at 0 and its own output, as `instructgpt pipeline` runs it (eval compares both).
STAGES = [
    ("prepare", "prepare", []),
    ("pretrain", "pretrain", ["--resume"]),
    ("sft", "sft", ["--resume"]),
    ("label", "label", []),
    ("rm", "rm", ["--resume"]),
    ("select_sft", "select-sft", []),
    ("ppo_ptx", "ppo", ["--resume"]),
    ("ppo", "ppo", ["--resume", "--set", "instructgpt.ppo.ptx.coef=0",
                    "--set", 'instructgpt.ppo.output="' + RUN_DIR + '/ppo-no-ptx"']),
    ("eval", "eval", []),
    ("report", "report", []),
]


def stage_arguments(subcommand, extra):
    """The application arguments of one stage: its subcommand, the run's config and settings, then its own."""
    return [
        subcommand,
        "--config", "{{ params.config }}",
        # Quoted: in HOCON an unquoted // starts a comment, and paths such as hdfs:///runs hold one.
        "--set", 'instructgpt.run-dir="' + RUN_DIR + '"',
        "--set", "instructgpt.seed={{ params.seed }}",
        "--set", "instructgpt.train.partitions={{ params.partitions }}",
    ] + extra


with DAG(
    dag_id="instructgpt",
    description="SFT, reward model and PPO-ptx (InstructGPT) as Spark jobs",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=2)},
    params={
        "jar": Param("hdfs:///apps/instructgpt/instructgpt-jobs-cluster.jar", type="string",
                     description="the shaded cluster jar (mvn -B package; jobs/target/*-cluster.jar)"),
        "config": Param("conf/local.conf", type="string",
                        description="a HOCON file the driver can read (shipped with --files or on a shared path)"),
        "runs_root": Param("hdfs:///instructgpt/runs", type="string",
                           description="each DAG run writes under <runs_root>/<run id>"),
        "seed": Param(1234, type="integer", description="every random choice of the run flows from it"),
        "partitions": Param(2, type="integer", minimum=1,
                            description="data-parallel replicas: one per executor core"),
    },
    tags=["instructgpt", "spark", "rlhf"],
) as dag:
    previous = None
    for task_id, subcommand, extra in STAGES:
        task = SparkSubmitOperator(
            task_id=task_id,
            # Not a template field of the operator: the connection (master, deploy mode, queue) is set in Airflow.
            conn_id="spark_default",
            application="{{ params.jar }}",
            java_class="org.instructgpt.jobs.InstructGpt",
            name="instructgpt-" + task_id,
            application_args=stage_arguments(subcommand, extra),
            conf={
                "spark.driver.extraJavaOptions": _OPENS,
                "spark.executor.extraJavaOptions": _OPENS,
                "spark.executorEnv.OMP_NUM_THREADS": "1",
                "spark.executorEnv.OPENBLAS_NUM_THREADS": "1",
            },
        )
        if previous is not None:
            previous >> task
        previous = task
