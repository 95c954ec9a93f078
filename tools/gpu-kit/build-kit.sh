#!/usr/bin/env bash
# Builds the GPU run kit: a self-contained linux-x64 publish of the fff program (no .NET needed on the
# target), the ONNX Runtime GPU native libraries from the NuGet package Microsoft.ML.OnnxRuntime.Gpu.Linux,
# run-gpu.sh and unpack.sh, packed in pieces of at most --piece-size bytes with a SHA-256 checksum file.
# The target machine needs an NVIDIA driver, CUDA 13 and cuDNN 9 (system or Python wheels); no network.
# See docs/gpu.md.
#
#   tools/gpu-kit/build-kit.sh [--out DIR] [--piece-size SIZE] [--without-libtorch] [--ort-gpu-version V]
#
#   --out DIR            where the kit goes (default: out/gpu-kit in the repository); writes
#                        DIR/fff-gpu-kit/ (the unpacked kit) and DIR/pieces/ (what to copy over)
#   --piece-size SIZE    largest piece, bytes or with K/M/G (default 60M)
#   --without-libtorch   leave libtorch out (about 470 MB unpacked): torch-cpu is then unavailable on the
#                        target and parity references come from ort-cpu
#   --ort-gpu-version V  version of Microsoft.ML.OnnxRuntime.Gpu.Linux (default 1.31.0)
#
# Needs the .NET SDK and the NuGet registry (this machine, not the target). Only this script restores the
# GPU package; the suite's build and tests never do.
set -euo pipefail

die() { echo "build-kit.sh: $*" >&2; exit 2; }

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
out="$repo/out/gpu-kit" piece_size="60M" with_libtorch=1 ort_version="1.31.0"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --out) [[ $# -ge 2 ]] || die "--out needs a folder"; out="$2"; shift 2 ;;
    --piece-size) [[ $# -ge 2 ]] || die "--piece-size needs a value"; piece_size="$2"; shift 2 ;;
    --without-libtorch) with_libtorch=0; shift ;;
    --ort-gpu-version) [[ $# -ge 2 ]] || die "--ort-gpu-version needs a version"; ort_version="$2"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
command -v dotnet >/dev/null 2>&1 || die "the .NET SDK (dotnet) is not on PATH; the kit is built on a machine with .NET SDK 10"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
name="fff-gpu-kit"
stage="$out/$name"
pieces="$out/pieces"
rm -rf "$stage" "$pieces"
mkdir -p "$stage/ort-cuda"

echo "build-kit.sh: [1/5] self-contained publish of fff for linux-x64"
dotnet publish "$repo/tools/FormFollowsFunction.Cli/FormFollowsFunction.Cli.csproj" -c Release -r linux-x64 --self-contained true \
  -o "$stage/fff" --nologo -v quiet -p:PublishReadyToRun=false
[[ -x "$stage/fff/fff" ]] || die "the publish wrote no $stage/fff/fff"
if [[ -e "$stage/fff/libLibTorchSharp.so" ]]; then
  dotnet msbuild "$here/ort-gpu/OrtGpuNative.csproj" -t:PatchKitLibTorchSharp -p:KitLibrary="$stage/fff/libLibTorchSharp.so" --nologo -v quiet
fi
# Test and Python bindings of libtorch that nothing in the suite loads.
rm -f "$stage/fff"/{libtorch_python.so,libjitbackend_test.so,libtorchbind_test.so,libbackend_with_compiler.so,libnnapi_backend.so,libaoti_custom_ops.so}
if [[ "$with_libtorch" -eq 0 ]]; then
  rm -f "$stage/fff"/{libtorch_cpu.so,libtorch.so,libc10.so,libtorch_global_deps.so,libshm.so} "$stage/fff"/libgomp-*.so*
fi

echo "build-kit.sh: [2/5] Microsoft.ML.OnnxRuntime.Gpu.Linux $ort_version (restored by the kit's own project only)"
dotnet restore "$here/ort-gpu/OrtGpuNative.csproj" -p:OrtGpuVersion="$ort_version" --nologo -v quiet \
  || die "the NuGet package Microsoft.ML.OnnxRuntime.Gpu.Linux $ort_version did not restore (see the messages above)"
package_root="$(dotnet msbuild "$here/ort-gpu/OrtGpuNative.csproj" -getProperty:NuGetPackageRoot -p:OrtGpuVersion="$ort_version")"
native="${package_root%/}/microsoft.ml.onnxruntime.gpu.linux/$ort_version/runtimes/linux-x64/native"
for library in libonnxruntime.so libonnxruntime_providers_cuda.so libonnxruntime_providers_shared.so; do
  [[ -f "$native/$library" ]] || die "the package has no $native/$library"
  cp "$native/$library" "$stage/ort-cuda/"
done

echo "build-kit.sh: [3/5] scripts and description"
cp "$here/run-gpu.sh" "$here/unpack.sh" "$stage/"
chmod +x "$stage/run-gpu.sh" "$stage/unpack.sh"
commit="$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)"
dirty="$(git -C "$repo" status --porcelain 2>/dev/null | grep -qv '^??' && echo ' (with uncommitted changes)' || true)"
{
  echo "FormFollowsFunction GPU kit"
  echo "built:      $(date -u +%FT%TZ) on $(hostname)"
  echo "commit:     $commit$dirty"
  echo "program:    fff/fff (self-contained .NET $(dotnet --version), linux-x64)"
  echo "ort-cuda:   ort-cuda/libonnxruntime.so from Microsoft.ML.OnnxRuntime.Gpu.Linux $ort_version (needs CUDA 13, cuDNN 9)"
  echo "libtorch:   $([[ $with_libtorch -eq 1 ]] && echo 'included (torch-cpu)' || echo 'left out (--without-libtorch)')"
  echo "run:        ./run-gpu.sh --backends ort-cuda,ort-cpu --out results/gpu   (see docs/gpu.md)"
  echo
  echo "files (bytes, SHA-256):"
  (cd "$stage" && find . -type f ! -name KIT.txt | sort | while read -r f; do printf '%12s  %s  %s\n' "$(stat -c %s "$f")" "$(sha256sum "$f" | cut -c1-16)" "$f"; done)
} > "$stage/KIT.txt"

echo "build-kit.sh: [4/5] checking the kit starts here"
"$stage/fff/fff" --help >/dev/null || die "the published program does not start on this machine"

echo "build-kit.sh: [5/5] packing in pieces of at most $piece_size"
"$here/pack.sh" "$stage" "$pieces" --piece-size "$piece_size" --name "$name"
cp "$here/unpack.sh" "$pieces/"
echo "build-kit.sh: kit $stage ($(du -sh "$stage" | cut -f1) unpacked); copy every file of $pieces to the GPU machine, then:"
echo "  bash unpack.sh PIECES_DIR DEST_DIR && DEST_DIR/$name/run-gpu.sh --backends ort-cuda,ort-cpu --out results/gpu"
