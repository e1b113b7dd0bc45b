#!/bin/sh
# Reserve the next free session number above a floor (exclusive mkdir; numbers
# are never reused). Args: dataDir idsDir floor
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
ids=$root/$1; floor=$2
mkdir -p "$ids" || exit "$EX_FAILED"
n=0
for f in "$ids"/*; do
  m=${f##*/}
  case $m in '' | *[!0-9]*) continue ;; esac
  [ "$m" -gt "$n" ] && n=$m
done
[ "$n" -ge "$floor" ] || n=$floor
while :; do
  n=$((n + 1))
  if mkdir "$ids/$n" 2>/dev/null; then echo "$n"; exit 0; fi
  # Taken is fine (try the next); any other failure (permissions, full disk) is not.
  [ -d "$ids/$n" ] || { echo "cannot create $ids/$n" >&2; exit "$EX_FAILED"; }
done
