#!/usr/bin/env bash
# One call of a training run on the lent GPU machine (see "Training on the lent GPU machine" in training/README.md).
#   training/device_run.sh <run-name> <training.train arguments...>
# Keeps data and run folders under /tmp/hecnn, which outlives a call while the machine stays warm: the carried
# .device-carry/data (training.pack_data) is copied there once, a run folder carried back into training/runs/<run>
# (after the machine went cold) is restored, then training.train runs for at most $STOP_MINUTES (default 8) minutes
# past its last finished epoch and the run folder is copied to $OUT (or ./device-out when $OUT is unset).
# No ONNX export there (--no-export): the finished checkpoint is exported here with training.export, by the
# PyTorch whose exporter output the Java importer is tested against.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 <run-name> <training.train arguments...>" >&2; exit 2; }
run=$1; shift
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=${HECNN_DEVICE_WORK:-/tmp/hecnn}
out=${OUT:-$root/device-out}
mkdir -p "$work/runs" "$out"
if [ ! -f "$work/data/cifar10/train_jpeg_q75.pack" ]; then
  [ -f "$root/.device-carry/data/cifar10/train_jpeg_q75.pack" ] || {
    echo "no packed data here or in $work: carry .device-carry/data (python3 -m training.pack_data --out .device-carry/data)" >&2; exit 1; }
  rm -rf "$work/data" && cp -r "$root/.device-carry/data" "$work/data"
fi
if [ ! -f "$work/runs/$run/checkpoint.pt" ] && [ -f "$root/training/runs/$run/checkpoint.pt" ]; then
  mkdir -p "$work/runs/$run" && cp -r "$root/training/runs/$run/." "$work/runs/$run/"
fi
cd "$root"
python3 -c "import torch; print('[device] torch', torch.__version__, 'cuda', torch.cuda.is_available(), torch.cuda.get_device_name(0) if torch.cuda.is_available() else '')"
status=0
python3 -m training.train --data "$work/data" --train-source jpeg --out "$work/runs/$run" --no-export \
  --stop-after-minutes "${STOP_MINUTES:-8}" "$@" 2>&1 | tee -a "$work/runs/$run.out" || status=$?
cp -r "$work/runs/$run" "$out/" && cp "$work/runs/$run.out" "$out/$run/train.out"
exit $status
