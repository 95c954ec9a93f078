#!/usr/bin/env bash
# Packs a folder into a gzip'd tar archive split in pieces of at most PIECE_SIZE bytes, with a checksum
# file, for machines that take files in limited pieces. unpack.sh reassembles and verifies them.
#
#   tools/gpu-kit/pack.sh SOURCE_DIR OUT_DIR [--piece-size SIZE] [--name NAME]
#
# SIZE is bytes, or a number with K, M or G (powers of 1024); default 60M. Writes into OUT_DIR:
#   NAME.tar.gz.part-000, -001, ...   the pieces, each at most SIZE bytes
#   NAME.sha256                       one "SHA256  FILE" line per piece (sha256sum format), then
#                                     "# archive SHA256 BYTES PIECES" for the whole archive
# NAME defaults to the source folder's name. The archive holds the folder itself (NAME/...).
set -euo pipefail

die() { echo "pack.sh: $*" >&2; exit 2; }

source_dir="" out_dir="" piece_size="60M" name=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --piece-size) [[ $# -ge 2 ]] || die "--piece-size needs a value"; piece_size="$2"; shift 2 ;;
    --name) [[ $# -ge 2 ]] || die "--name needs a value"; name="$2"; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) if [[ -z "$source_dir" ]]; then source_dir="$1"; elif [[ -z "$out_dir" ]]; then out_dir="$1"; else die "unexpected argument $1"; fi; shift ;;
  esac
done
[[ -n "$source_dir" && -n "$out_dir" ]] || die "usage: pack.sh SOURCE_DIR OUT_DIR [--piece-size SIZE] [--name NAME]"
[[ -d "$source_dir" ]] || die "'$source_dir' is not a folder"

to_bytes() {
  local text="$1" number unit
  [[ "$text" =~ ^([0-9]+)([KMG]?)$ ]] || die "piece size '$text' is not a number of bytes, or a number with K, M or G"
  number="${BASH_REMATCH[1]}" unit="${BASH_REMATCH[2]}"
  case "$unit" in K) echo $((number * 1024)) ;; M) echo $((number * 1024 * 1024)) ;; G) echo $((number * 1024 * 1024 * 1024)) ;; *) echo "$number" ;; esac
}
bytes="$(to_bytes "$piece_size")"
[[ "$bytes" -gt 0 ]] || die "piece size must be positive"

source_dir="$(cd "$source_dir" && pwd)"
name="${name:-$(basename "$source_dir")}"
[[ "$name" =~ ^[A-Za-z0-9._-]+$ ]] || die "name '$name' may hold only letters, digits, '.', '_' and '-'"
mkdir -p "$out_dir"
out_dir="$(cd "$out_dir" && pwd)"
archive="$name.tar.gz"
if compgen -G "$out_dir/$archive.part-*" >/dev/null || [[ -e "$out_dir/$name.sha256" ]]; then
  die "$out_dir already holds pieces of $name; remove them first"
fi

# The archive goes straight into pieces, so that it is never whole on disk.
tar -C "$(dirname "$source_dir")" -cf - --transform "s|^$(basename "$source_dir")|$name|" "$(basename "$source_dir")" \
  | gzip -6 \
  | split -b "$bytes" -d -a 3 - "$out_dir/$archive.part-"
pieces=("$out_dir/$archive".part-*)
archive_sum="$(cat "${pieces[@]}" | sha256sum | cut -d' ' -f1)"
total=0
for piece in "${pieces[@]}"; do total=$((total + $(stat -c %s "$piece"))); done

{
  for piece in "${pieces[@]}"; do
    (cd "$out_dir" && sha256sum "$(basename "$piece")")
  done
  echo "# archive $archive_sum $total ${#pieces[@]}"
} > "$out_dir/$name.sha256"

echo "pack.sh: $archive: $total bytes in ${#pieces[@]} piece(s) of at most $bytes bytes, in $out_dir"
for piece in "${pieces[@]}"; do printf '  %s %s\n' "$(basename "$piece")" "$(stat -c %s "$piece")"; done
echo "  $name.sha256 (checksums; reassemble with unpack.sh)"
