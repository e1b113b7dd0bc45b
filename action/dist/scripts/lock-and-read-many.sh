#!/bin/sh
# Take many sessions' record locks, without waiting, and print each record
# after a header line "\035<n> ok|busy|missing" (n counts the pairs from 0).
# A busy lock is skipped (the caller records it on its next look).
# Args: dataDir token staleSec holder (lock file)...
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
# shellcheck source=lib/owner.sh
. "$AO_LIB/owner.sh"
token=$1; stale=$2; holder=$3; shift 3
dead=; wait=0
n=0
while [ $# -ge 2 ]; do
  lock=$root/$1; file=$root/$2; shift 2
  # A subshell: the lock library exits when the lock is busy.
  if (
    # shellcheck source=lib/lock.sh
    . "$AO_LIB/lock.sh"
  ) 2>/dev/null; then
    if [ -f "$file" ]; then
      printf '\035%s ok\n' "$n"
      cat "$file"
    else
      printf '\035%s missing\n' "$n"
      rm -rf "$lock"
    fi
  else
    printf '\035%s busy\n' "$n"
  fi
  n=$((n + 1))
done
exit 0
