#!/usr/bin/env bash
# Reassembles and verifies pieces written by pack.sh, then unpacks the archive.
#
#   unpack.sh PIECES_DIR DEST_DIR [--name NAME] [--keep-archive]
#
# Refuses, with a message naming the piece and exit code 3, when a piece listed in NAME.sha256 is
# missing, has the wrong size or checksum, or when the reassembled archive's checksum is wrong; nothing
# is unpacked then. NAME defaults to the one NAME.sha256 in PIECES_DIR. The archive unpacks to
# DEST_DIR/NAME.
set -euo pipefail

die() { echo "unpack.sh: $*" >&2; exit 2; }
refuse() { echo "unpack.sh: $*" >&2; exit 3; }

pieces_dir="" dest_dir="" name="" keep=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --name) [[ $# -ge 2 ]] || die "--name needs a value"; name="$2"; shift 2 ;;
    --keep-archive) keep=1; shift ;;
    -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) if [[ -z "$pieces_dir" ]]; then pieces_dir="$1"; elif [[ -z "$dest_dir" ]]; then dest_dir="$1"; else die "unexpected argument $1"; fi; shift ;;
  esac
done
[[ -n "$pieces_dir" && -n "$dest_dir" ]] || die "usage: unpack.sh PIECES_DIR DEST_DIR [--name NAME] [--keep-archive]"
[[ -d "$pieces_dir" ]] || die "'$pieces_dir' is not a folder"

if [[ -z "$name" ]]; then
  sums=("$pieces_dir"/*.sha256)
  [[ -e "${sums[0]}" ]] || refuse "no checksum file (NAME.sha256) in $pieces_dir: copy it with the pieces"
  [[ ${#sums[@]} -eq 1 ]] || die "several checksum files in $pieces_dir; choose one with --name"
  name="$(basename "${sums[0]}" .sha256)"
fi
sum_file="$pieces_dir/$name.sha256"
[[ -f "$sum_file" ]] || refuse "no checksum file $sum_file: copy it with the pieces"

archive_line="$(grep '^# archive ' "$sum_file" || true)"
[[ -n "$archive_line" ]] || refuse "$sum_file has no '# archive' line; it was not written by pack.sh, or it is cut short"
read -r _ _ archive_sum archive_bytes piece_count <<<"$archive_line"

listed=()
while read -r sum file; do
  [[ -z "$sum" || "$sum" == "#" ]] && continue
  listed+=("$file")
  [[ -f "$pieces_dir/$file" ]] || refuse "piece $file (${#listed[@]} of $piece_count) is missing from $pieces_dir"
  actual="$(sha256sum "$pieces_dir/$file" | cut -d' ' -f1)"
  [[ "$actual" == "$sum" ]] || refuse "piece $file (${#listed[@]} of $piece_count) is corrupt: its SHA-256 is $actual, $name.sha256 says $sum; copy it again"
done < <(grep -v '^#' "$sum_file")
[[ ${#listed[@]} -eq "$piece_count" ]] || refuse "$sum_file lists ${#listed[@]} pieces but its archive line says $piece_count; the checksum file is damaged"

mkdir -p "$dest_dir"
archive="$dest_dir/$name.tar.gz"
(cd "$pieces_dir" && cat "${listed[@]}") > "$archive"
actual="$(sha256sum "$archive" | cut -d' ' -f1)"
size="$(stat -c %s "$archive")"
if [[ "$actual" != "$archive_sum" || "$size" -ne "$archive_bytes" ]]; then
  rm -f "$archive"
  refuse "the reassembled archive is wrong ($size bytes, SHA-256 $actual; expected $archive_bytes bytes, $archive_sum)"
fi
echo "unpack.sh: ${#listed[@]} piece(s) verified; archive $name.tar.gz ($size bytes) verified"
[[ ! -e "$dest_dir/$name" ]] || die "$dest_dir/$name already exists; remove it or unpack elsewhere"
tar -C "$dest_dir" -xzf "$archive"
[[ "$keep" -eq 1 ]] || rm -f "$archive"
echo "unpack.sh: unpacked to $dest_dir/$name"
