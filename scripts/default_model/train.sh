#!/usr/bin/env bash
# Train the shipped default model on the simulated sets from make_data.py (2 CPU cores, about 95 minutes).
# Rerun with --resume to continue an interrupted run.
set -euo pipefail
DATA=${1:-/work/mm-data}
OUT=${2:-/work/mm-runs/default}
shift 2 || true
massmap train --manifest "$DATA/train_val.csv" --out "$OUT" \
  --arch unetplusplus --encoder resnet18 --encoding sincos --coherence \
  --patch-size 128 --batch-size 16 --neg-ratio 1 --hard-negatives --where "coherent = 1" \
  --epochs 16 --patches-per-epoch 1024 --val-patches 192 --max-minutes 95 \
  --monitor val_iou --patience 100 --lr 2e-3 --schedule cosine --precision bf16-mixed \
  --workers 0 --seed 7 "$@"
