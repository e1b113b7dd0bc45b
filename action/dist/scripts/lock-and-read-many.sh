#!/bin/sh
# Take many sessions' record locks, without waiting, and print each record
# after a header line "\035<n> ok|busy|missing" (n counts the pairs from 0);
# a busy one's header names its owner ("\035<n> busy <owner line>"). A busy
# lock is skipped (the caller records it on its next look), unless its owner
# is the line the caller proved dead for it. Stdin: one line per session,
# "<lock>\t<file>\t<dead owner or nothing>" (on stdin, not as arguments: one
# SSH command line is one argument of at most 128 KiB, and this list grows
# with the sessions). Args: dataDir token staleSec holder
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
# shellcheck source=lib/owner.sh
. "$AO_LIB/owner.sh"
token=$1; stale=$2; holder=$3; shift 3
wait=0
n=0
tab=$(printf '\t')
while IFS= read -r line; do
  lock_rel=${line%%"$tab"*}; rest=${line#*"$tab"}
  file_rel=${rest%%"$tab"*}; dead=${rest#*"$tab"}
  [ "$rest" = "$file_rel" ] && dead=
  lock=$root/$lock_rel; file=$root/$file_rel
  # A subshell: the lock library exits when the lock is busy, saying who holds it.
  if owner=$(
    exec 2>&1
    # shellcheck source=lib/lock.sh
    . "$AO_LIB/lock.sh"
  ); then
    if [ -f "$file" ]; then
      printf '\035%s ok\n' "$n"
      cat "$file"
    else
      printf '\035%s missing\n' "$n"
      rm -rf "$lock"
    fi
  else
    printf '\035%s busy %s\n' "$n" "${owner#locked by }"
  fi
  n=$((n + 1))
done
exit 0
