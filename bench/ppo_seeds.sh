#!/usr/bin/env bash
# PPO over several seeds from one pipeline run's SFT and reward models, then one evaluation of them all against SFT:
# a single run's interval is over prompts, and what PPO gains on the gold judge depends on its seed (docs/ppo.md).
#   bench/ppo_seeds.sh RUN_DIR OUT "SEEDS" [--set key=value ...]
# RUN_DIR is a finished `bin/instructgpt pipeline` run directory (its world, sft-select and rm are used); the --set
# options go to every PPO run (e.g. --set instructgpt.ppo.ptx.coef=0 for PPO without ptx). Prints each seed's gold
# difference on the trained families and their mean; the evaluation is OUT/eval/eval.json. An OUT/s<seed> that has
# finished (its _SUCCESS) is kept, so an interrupted study resumes.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$here/bench/marked_step.sh"
run="$1"; out="$2"; seeds="$3"; shift 3
mkdir -p "$out"
policies="{name = sft, path = \"$run/sft-select/selected\"}"
for s in $seeds; do
  marked_step "ppo seed $s" "$out/s$s" "$out/s$s.log" "$here/bin/instructgpt" ppo --set "instructgpt.run-dir=$run" \
    --set "instructgpt.seed=$s" --set "instructgpt.ppo.output=$out/s$s" "$@"
  policies="$policies, {name = s$s, path = \"$out/s$s/final\"}"
done
echo "eval of $seeds against sft -> $out/eval (log $out/eval.log)" >&2
# Gold and reward model only: the alignment tax's held-out text, cloze and TruthfulQA do not depend on the seed study.
"$here/bin/instructgpt" eval --set "instructgpt.run-dir=$run" --set "instructgpt.eval.output=$out/eval" \
  --set "instructgpt.eval.policies=[$policies]" --set 'instructgpt.eval.pretrain=""' \
  --set instructgpt.eval.cloze=false --set instructgpt.eval.truthfulqa.max-questions=0 > "$out/eval.log" 2>&1
python3 - "$out/eval/eval.json" <<'EOF'
import json, statistics, sys
e = json.load(open(sys.argv[1]))
diffs = []
for name, v in e["versus_baseline"].items():
    d = v["gold_trained_families"]["difference"]
    f = e["figures"][name]
    diffs.append(d["value"])
    print(f"{name}: gold on the trained families {d['value']:+.3f} [{d['low']:+.3f}, {d['high']:+.3f}] against sft;"
          f" reward model {v['reward_model']['difference']['value']:+.3f}; KL {f['kl']['value']:.2f};"
          f" hallucination {f['hallucination_rate']['value']:.2f}")
print(f"mean over {len(diffs)} seeds {statistics.mean(diffs):+.3f}, lowest {min(diffs):+.3f}, highest {max(diffs):+.3f};"
      f" intervals above zero: {sum(v['gold_trained_families']['difference']['low'] > 0 for v in e['versus_baseline'].values())}")
EOF
