#!/usr/bin/env bash
# Runs the suite on a GPU machine that has no .NET and no network, from an unpacked GPU kit
# (tools/gpu-kit/build-kit.sh). Finds the CUDA 13 and cuDNN 9 libraries that ONNX Runtime's CUDA
# provider needs (system folders, ldconfig's cache, or NVIDIA's Python wheels under site-packages),
# puts their folders on LD_LIBRARY_PATH, points FFF_ORT_CUDA_LIBRARY at the kit's GPU build of ONNX
# Runtime, prints what it found or exactly what is missing, runs `fff run` with the arguments given,
# then `fff backends`.
#
#   ./run-gpu.sh [fff run arguments...]     e.g. ./run-gpu.sh --backends ort-cuda,ort-cpu --models resnet18 --out results/h200
#   ./run-gpu.sh --find-only                only find and print the libraries (exit 4 if one is missing)
#
# Settings (environment):
#   FFF_CUDA_SEARCH_PATHS  colon-separated folders searched *instead of* the defaults (each folder and,
#                          below it, NVIDIA wheel layouts such as nvidia/cu13/lib, nvidia/cudnn/lib)
#   FFF_KIT_PROGRAM        the fff program to run (default: fff/fff beside this script)
#   FFF_ORT_CUDA_LIBRARY   kept if already set; else the kit's ort-cuda/libonnxruntime.so
set -uo pipefail

kit="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

# name | what it is | where it usually comes from
required=(
  "libcudart.so.13|CUDA 13 runtime|CUDA toolkit 13 (lib64) or the wheel nvidia-cuda-runtime (CUDA 13)"
  "libcublas.so.13|CUDA 13 cuBLAS|CUDA toolkit 13 or the wheel nvidia-cublas (CUDA 13)"
  "libcublasLt.so.13|CUDA 13 cuBLASLt|CUDA toolkit 13 or the wheel nvidia-cublas (CUDA 13)"
  "libcurand.so.10|CUDA cuRAND|CUDA toolkit 13 or the wheel nvidia-curand (CUDA 13)"
  "libcudnn.so.9|cuDNN 9|cuDNN 9 for CUDA 13 or the wheel nvidia-cudnn-cu13"
  "libcuda.so.1|the NVIDIA driver's CUDA library|the NVIDIA driver"
)
# cuDNN 9 loads its parts from its own folder; a folder without them fails at the first convolution.
cudnn_parts=(libcudnn_graph.so.9 libcudnn_ops.so.9 libcudnn_cnn.so.9 libcudnn_engines_precompiled.so.9 libcudnn_heuristic.so.9)

# Folders searched directly, and folders searched below (wheel layouts), in order.
direct_roots=()
deep_roots=()
if [[ -n "${FFF_CUDA_SEARCH_PATHS:-}" ]]; then
  IFS=':' read -r -a deep_roots <<<"$FFF_CUDA_SEARCH_PATHS"
  direct_roots=("${deep_roots[@]}")
  use_ldconfig=0
else
  IFS=':' read -r -a from_env <<<"${LD_LIBRARY_PATH:-}"
  direct_roots=("${from_env[@]}")
  for home in "${CUDA_HOME:-}" "${CUDA_PATH:-}" /usr/local/cuda /usr/local/cuda-13*; do
    [[ -n "$home" && -d "$home" ]] && direct_roots+=("$home/lib64" "$home/lib" "$home/targets/x86_64-linux/lib")
  done
  direct_roots+=(/usr/lib/x86_64-linux-gnu /lib/x86_64-linux-gnu /usr/lib64 /usr/lib/wsl/lib /usr/local/lib)
  for python in python3 python3.12 python; do
    command -v "$python" >/dev/null 2>&1 || continue
    while IFS= read -r site; do
      [[ -d "$site/nvidia" ]] && deep_roots+=("$site/nvidia")
    done < <("$python" -c 'import site, sys
paths = list(getattr(site, "getsitepackages", lambda: [])()) + [site.getusersitepackages()] + sys.path
print("\n".join(p for p in paths if p))' 2>/dev/null)
  done
  for site in /usr/local/lib/python3*/dist-packages /usr/local/lib/python3*/site-packages /usr/lib/python3/dist-packages "$HOME"/.local/lib/python3*/site-packages /opt/conda/lib/python3*/site-packages; do
    [[ -d "$site/nvidia" ]] && deep_roots+=("$site/nvidia")
  done
  use_ldconfig=1
fi

find_library() {
  local name="$1" root hit
  for root in "${direct_roots[@]}"; do
    [[ -n "$root" && -e "$root/$name" ]] && { echo "$root/$name"; return 0; }
  done
  if [[ "$use_ldconfig" -eq 1 ]] && command -v ldconfig >/dev/null 2>&1; then
    hit="$(ldconfig -p 2>/dev/null | awk -v n="$name" '$1 == n && /x86-64/ { print $NF; exit }')"
    [[ -n "$hit" && -e "$hit" ]] && { echo "$hit"; return 0; }
  fi
  for root in "${deep_roots[@]}"; do
    [[ -n "$root" && -d "$root" ]] || continue
    hit="$(find -L "$root" -maxdepth 5 -name "$name" \( -type f -o -type l \) 2>/dev/null | sort | head -n 1)"
    [[ -n "$hit" ]] && { echo "$hit"; return 0; }
  done
  return 1
}

echo "run-gpu.sh: looking for the CUDA 13 and cuDNN 9 libraries"
folders=()
missing=0
cudnn_folder=""
for entry in "${required[@]}"; do
  IFS='|' read -r name what source <<<"$entry"
  if path="$(find_library "$name")"; then
    folder="$(cd "$(dirname "$path")" && pwd)"
    printf '  found   %-18s %s\n' "$name" "$path"
    [[ " ${folders[*]:-} " == *" $folder "* ]] || folders+=("$folder")
    [[ "$name" == libcudnn.so.9 ]] && cudnn_folder="$folder"
  else
    printf '  MISSING %-18s (%s): install %s\n' "$name" "$what" "$source"
    missing=$((missing + 1))
  fi
done
if [[ -n "$cudnn_folder" ]]; then
  for part in "${cudnn_parts[@]}"; do
    [[ -e "$cudnn_folder/$part" ]] || { printf '  MISSING %-18s (part of cuDNN 9) beside libcudnn.so.9 in %s\n' "$part" "$cudnn_folder"; missing=$((missing + 1)); }
  done
fi
if [[ "$missing" -gt 0 ]]; then
  if [[ "$use_ldconfig" -eq 1 ]]; then searched="${direct_roots[*]:-}, ldconfig -p, and below ${deep_roots[*]:-(no Python site-packages with nvidia/ found)}"
  else searched="in and below ${deep_roots[*]} (FFF_CUDA_SEARCH_PATHS)"; fi
  echo "run-gpu.sh: $missing librar$([[ $missing -eq 1 ]] && echo y || echo ies) missing; searched $searched" >&2
  echo "run-gpu.sh: set FFF_CUDA_SEARCH_PATHS to the folders that hold them, or install them as named above" >&2
  exit 4
fi

joined="$(IFS=':'; echo "${folders[*]}")"
export LD_LIBRARY_PATH="$joined${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
export FFF_ORT_CUDA_LIBRARY="${FFF_ORT_CUDA_LIBRARY:-$kit/ort-cuda/libonnxruntime.so}"
echo "  LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
echo "  FFF_ORT_CUDA_LIBRARY=$FFF_ORT_CUDA_LIBRARY"
[[ "${1:-}" == "--find-only" ]] && exit 0

program="${FFF_KIT_PROGRAM:-$kit/fff/fff}"
[[ -x "$program" ]] || { echo "run-gpu.sh: the program $program is not there; unpack the whole kit (unpack.sh)" >&2; exit 2; }
[[ -e "$FFF_ORT_CUDA_LIBRARY" ]] || echo "run-gpu.sh: warning: $FFF_ORT_CUDA_LIBRARY does not exist; ort-cuda will be unavailable" >&2
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | sed 's/^/  GPU: /'
fi

echo "run-gpu.sh: $program run $*"
"$program" run "$@"
status=$?
echo "run-gpu.sh: $program backends"
"$program" backends
exit "$status"
