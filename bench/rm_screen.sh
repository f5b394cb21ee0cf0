#!/usr/bin/env bash
# A reward-model screen: label a pipeline run's RM prompts (or reuse labels), train a reward model, run PPO-ptx over
# several seeds against it from the run's selected SFT model and evaluate them together against SFT (docs/ppo.md).
#   bench/rm_screen.sh RUN_DIR OUT "SEEDS" [--labels DIR] [--label-set key=value ...] [--rm-set key=value ...]
#                      [--ppo-set key=value ...]
# --labels DIR takes a comparisons dataset that exists (e.g. RUN_DIR/label) instead of labeling; --label-set, --rm-set
# and --ppo-set go to the label, rm and every ppo run. OUT/label and OUT/rm are kept once finished (their _SUCCESS),
# so an interrupted screen resumes. Prints the reward model's validation accuracy, then ppo_seeds.sh's figures.
# Example, a second reward-model seed on the pipeline's own labels:
#   bench/rm_screen.sh /tmp/run /tmp/screen "1234 1" --labels /tmp/run/label --rm-set instructgpt.seed=2
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/bench/marked_step.sh"
if [[ $# -lt 3 ]]; then
  echo "usage: bench/rm_screen.sh RUN_DIR OUT \"SEEDS\" [--labels DIR] [--label-set|--rm-set|--ppo-set k=v ...]" >&2
  exit 2
fi
run="$1"; out="$2"; seeds="$3"; shift 3
labels="$out/label"; given_labels=""; label_sets=(); rm_sets=(); ppo_sets=()
while [[ $# -gt 0 ]]; do
  if [[ $# -lt 2 ]]; then echo "rm_screen.sh: $1 needs a value" >&2; exit 2; fi
  case "$1" in
    --labels) labels="$2"; given_labels=1 ;;
    --label-set) label_sets+=(--set "$2") ;;
    --rm-set) rm_sets+=(--set "$2") ;;
    --ppo-set) ppo_sets+=(--set "$2") ;;
    *) echo "rm_screen.sh: unknown option $1 (expected --labels, --label-set, --rm-set or --ppo-set)" >&2; exit 2 ;;
  esac
  shift 2
done
mkdir -p "$out"
# Labels given are read, never labeled into: they need not carry a marker.
if [[ -z "$given_labels" ]]; then
  marked_step label "$labels" "$out/label.log" "$here/bin/instructgpt" label --set "instructgpt.run-dir=$run" \
    --set "instructgpt.label.output=$labels" ${label_sets[@]+"${label_sets[@]}"}
fi
marked_step rm "$out/rm" "$out/rm.log" "$here/bin/instructgpt" rm --set "instructgpt.run-dir=$run" \
  --set "instructgpt.rm.data=$labels" --set "instructgpt.rm.output=$out/rm" ${rm_sets[@]+"${rm_sets[@]}"}
python3 - "$out/rm/metrics.jsonl" <<'EOF'
import json, sys
v = [json.loads(line) for line in open(sys.argv[1]) if '"kind":"validation"' in line][-1]
print(f"reward model: validation accuracy {v['accuracy']:.3f}, against gold {v.get('gold_accuracy', float('nan')):.3f}")
EOF
"$here/bench/ppo_seeds.sh" "$run" "$out/ppo" "$seeds" --set "instructgpt.ppo.reward-model=$out/rm/final" \
  --set "instructgpt.ppo.value-model=$out/rm/final" ${ppo_sets[@]+"${ppo_sets[@]}"}
