#!/bin/sh
# Four seeded ResNet-20 ensemble members, each a short continuation (3 epochs of 10,000 images) of the finished
# stage-2 run, then their individual and softmax-average accuracy. Resumable: rerun it after an interruption
# (finished members are skipped by their own resume logic). Run from the repository root:
#   nohup nice -n 19 sh training/ensemble_chain.sh > training/runs/ensemble.out 2>&1 &
set -e
BASE=${BASE:-training/runs/resnet20_q2}
RUNS=""
for s in 11 12 13 14; do
  out=training/runs/resnet20_q_e$s
  mkdir -p $out
  /usr/bin/python3 -m training.train --model resnet20 --init run:$BASE --out $out --epochs 3 --epoch-size 10000 \
      --lr 0.003 --zeta 0.1 --no-penalty-warmup --seed $s --name resnet20_quad_e$s --progress-every 0
  RUNS="$RUNS $out"
done
/usr/bin/python3 -m training.ensemble --runs $RUNS --json training/runs/resnet20_ensemble.json
