#!/bin/sh
# Refresh a lock we hold, so a long hold is not taken for abandoned.
# Args: dataDir lock token
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
lock=$root/$1; token=$2
# Written aside and renamed, so a waiter never reads an empty owner file.
case $(cat "$lock/owner" 2>/dev/null) in "$token "*) echo "$token $(date +%s)" > "$lock/owner.$$" && mv -f "$lock/owner.$$" "$lock/owner" ;; esac
exit 0
