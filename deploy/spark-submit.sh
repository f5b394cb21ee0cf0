#!/usr/bin/env bash
# Submits an instructgpt subcommand to a cluster (YARN, Kubernetes or standalone): the master comes from SPARK_MASTER,
# the JVM flags and thread settings from this script, and any spark-submit options from before a `--`. Usage:
#   SPARK_MASTER=yarn deploy/spark-submit.sh generate --set instructgpt.generate.checkpoint=hdfs:///models/gpt2
#   SPARK_MASTER=yarn deploy/spark-submit.sh --deploy-mode cluster --properties-file deploy/conf/spark-defaults.cpu.conf \
#     -- sft --config conf/my.conf --resume
# docs/deploy.md has worked examples for local, standalone, YARN and Kubernetes.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
jar="${INSTRUCTGPT_JAR:-$here/jobs/target/instructgpt-jobs-0.1.0-SNAPSHOT-cluster.jar}"
opens=""
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
         java.util.concurrent.atomic sun.nio.ch sun.nio.cs sun.security.action sun.util.calendar; do
  opens="$opens --add-opens=java.base/$p=ALL-UNNAMED"
done
# The array engine (float32 models on the CPU) uses the JDK's Vector API, an incubator module; without it every model
# runs on the ND4J engine.
opens="$opens --add-modules=jdk.incubator.vector"
# maxphysicalbytes=0: no resident-size check on every native allocation (costly; see bin/instructgpt); the
# container's limit (spark.executor.memoryOverhead) bounds the process instead.
native="-Dorg.bytedeco.javacpp.maxbytes=${ND4J_MAXBYTES:-6G} -Dorg.bytedeco.javacpp.maxphysicalbytes=${ND4J_MAXPHYSICALBYTES:-0}"
threads="${EXECUTOR_THREADS:-1}"
spark_opts=()
for a in "$@"; do
  if [[ "$a" == "--" ]]; then
    while [[ "$1" != "--" ]]; do spark_opts+=("$1"); shift; done
    shift
    break
  fi
done
if [[ $# -eq 0 ]]; then
  echo "deploy/spark-submit.sh: name a subcommand (prepare, pretrain, sft, label, rm, select-sft, ppo, eval, report, ...)" >&2
  exit 2
fi
exec "${SPARK_SUBMIT:-spark-submit}" \
  --master "${SPARK_MASTER:-local[*]}" \
  --class org.instructgpt.jobs.InstructGpt \
  --conf "spark.driver.extraJavaOptions=$opens $native" \
  --conf "spark.executor.extraJavaOptions=$opens $native" \
  --conf "spark.executorEnv.OMP_NUM_THREADS=$threads" \
  --conf "spark.executorEnv.OPENBLAS_NUM_THREADS=$threads" \
  ${spark_opts[@]+"${spark_opts[@]}"} \
  "$jar" "$@"
