#!/usr/bin/env bash
# Spark's GPU discovery script: prints the GPUs visible to this executor as {"name": "gpu", "addresses": ["0", ...]}.
# CUDA_VISIBLE_DEVICES (set by YARN or the Kubernetes device plugin) wins over what nvidia-smi lists.
set -euo pipefail
if [[ -n "${CUDA_VISIBLE_DEVICES:-}" ]]; then
  ids="${CUDA_VISIBLE_DEVICES//,/ }"
else
  ids="$(nvidia-smi --query-gpu=index --format=csv,noheader | tr '\n' ' ')"
fi
addresses=""
for i in $ids; do
  addresses="${addresses:+$addresses,}\"$i\""
done
echo "{\"name\": \"gpu\", \"addresses\": [$addresses]}"
