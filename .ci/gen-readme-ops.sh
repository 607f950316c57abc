#!/bin/sh
# gen-readme-ops.sh - the README's table of supported DynamoDB operations,
# generated from emulator/dynamo/dynamo_ops.def (the dispatch table), and
# the DynamoDB Streams operations from emulator/dynamo/dynamo_streams_ops.def.
#   .ci/gen-readme-ops.sh           print the table
#   .ci/gen-readme-ops.sh --write   rewrite it in README.md between the markers
#   .ci/gen-readme-ops.sh --check   fail if README.md is out of date (a ctest)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
def="$root/emulator/dynamo/dynamo_ops.def"
streams_def="$root/emulator/dynamo/dynamo_streams_ops.def"
readme="$root/README.md"

table() {
  echo "| operation | supported parameters and behaviour |"
  echo "|---|---|"
  sed -n 's/^XX(\([A-Za-z]*\), [a-z_]*, "\(.*\)")$/| \1 | \2 |/p' "$def"
  sed -n 's/^XX(\([A-Za-z]*\), [a-z_]*, "\(.*\)")$/| Streams: \1 | \2 |/p' "$streams_def"
}

case "${1:-}" in
  "") table ;;
  --write|--check)
    tmp=$(mktemp)
    awk -v table="$(table)" '
      /<!-- ops:begin -->/ { print; print table; skip = 1; next }
      /<!-- ops:end -->/ { skip = 0 }
      !skip { print }' "$readme" > "$tmp"
    if [ "$1" = --write ]; then
      mv "$tmp" "$readme"
    elif cmp -s "$tmp" "$readme"; then
      rm -f "$tmp"
    else
      rm -f "$tmp"
      echo "README.md's operation table is out of date: run .ci/gen-readme-ops.sh --write" >&2
      exit 1
    fi ;;
  *) echo "usage: $0 [--write|--check]" >&2; exit 2 ;;
esac
