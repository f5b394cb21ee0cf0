#!/usr/bin/env bash
# The array engine's training pass, one build against another, in one JVM with passes alternating (bench/ab/EngineAb.java),
# repeated in several JVMs with the order swapped; prints the new build's speed-up per JVM and their geometric mean.
#   bench/engine_ab.sh OLD NEW [S|M] [jvms] [rounds] [reps]
# AB_JAVA_OPTS=-Dpass=rm times a reward-model step's pass (32 sequences, scores at their last tokens) instead.
# OLD and NEW are checkouts built with `mvn -DskipTests package` (their common/target/classes are compared); the model
# and ND4J come from this checkout's jobs/target. An A/A run (the same build twice) shows the method's noise: within
# +-2% on the benchmark machine.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
old="$1/common/target/classes"; new="$2/common/target/classes"
cfg="${3:-S}"; jvms="${4:-4}"; rounds="${5:-16}"; reps="${6:-5}"
cp="$here/jobs/target/instructgpt-jobs.jar:$here/jobs/target/lib/*"
out="$(mktemp -d)"; trap 'rm -rf "$out"' EXIT
javac -nowarn -cp "$cp" -d "$out" "$here/bench/ab/EngineAb.java"
run() { java --add-modules jdk.incubator.vector -Xmx4g ${AB_JAVA_OPTS:-} -cp "$out:$cp" EngineAb "$@" 2>/dev/null | grep "step CPU"; }
ups=()
for ((i = 0; i < jvms; i++)); do
  if (( i % 2 == 0 )); then line="$(run "$old" "$new" "$cfg" "$rounds" "$reps")"; else line="$(run "$new" "$old" "$cfg" "$rounds" "$reps")"; fi
  echo "$line"
  up="$(sed 's/.*speed-up min [0-9.]* median \([0-9.]*\).*/\1/' <<< "$line")"
  if (( i % 2 == 1 )); then up="$(python3 -c "print(1 / $up)")"; fi
  ups+=("$up")
done
python3 -c "import math, sys; v = [float(x) for x in sys.argv[2:]]; print(f'{sys.argv[1]}: new build speed-up per JVM', ' '.join(f'{x:.3f}' for x in v), f'geometric mean {math.exp(sum(map(math.log, v)) / len(v)):.3f}')" "$cfg" "${ups[@]}"
