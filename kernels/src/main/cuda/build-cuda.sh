#!/usr/bin/env bash
# Compiles the shared kernel source for CUDA: a fatbin (sm_80 and sm_90 cubins plus compute_90 PTX) and a
# separate compute_80 PTX, both loadable with cuModuleLoadData. Called by the Maven build of `kernels` (profile
# "nvcc") as: build-cuda.sh <nvcc> <resource dir with rns.cl and hecnn_compat.h> <output dir>.
set -euo pipefail
nvcc="$1"
src="$2"
out="$3/org/hecnn/kernels"
mkdir -p "$out"
tile_log=11
inputs=("$src/rns.cl" "$src/hecnn_compat.h" "$0")
fresh=1
for f in "$out/rns.fatbin" "$out/rns.ptx" "$out/cuda-build.properties"; do
  [[ -f "$f" ]] || { fresh=0; break; }
  for i in "${inputs[@]}"; do
    [[ "$i" -nt "$f" ]] && fresh=0
  done
done
if [[ $fresh == 1 ]]; then
  echo "[hecnn kernels] CUDA images are up to date in $out"
  exit 0
fi
common=(-x cu -include "$src/hecnn_compat.h" -O3 -DHECNN_TILE_LOG=$tile_log -Xptxas -warn-spills)
echo "[hecnn kernels] $("$nvcc" --version | tail -1)"
echo "[hecnn kernels] nvcc --fatbin sm_80, sm_90, compute_90 -> $out/rns.fatbin"
"$nvcc" "${common[@]}" --fatbin \
  -gencode arch=compute_80,code=sm_80 \
  -gencode arch=compute_90,code=sm_90 \
  -gencode arch=compute_90,code=compute_90 \
  -o "$out/rns.fatbin" "$src/rns.cl"
echo "[hecnn kernels] nvcc --ptx compute_80 -> $out/rns.ptx"
"$nvcc" "${common[@]}" --ptx -arch=compute_80 -o "$out/rns.ptx" "$src/rns.cl"
hash=$(cat "$src/hecnn_compat.h" "$src/rns.cl" | sha256sum | cut -d' ' -f1)
{
  echo "nvcc=$("$nvcc" --version | tail -1)"
  echo "targets=sm_80,sm_90,compute_90 (fatbin); compute_80 (ptx)"
  echo "tileLog=$tile_log"
  echo "sourceSha256=$hash"
} > "$out/cuda-build.properties"
