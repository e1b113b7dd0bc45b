#!/bin/sh
# What the agents of an instance said about themselves through the hooks
# spawn installed (scripts/agent-hook.sh, src/agents/hooks.ts): for every
# session with a state directory, the last line its hooks wrote and its
# token counts, summed over its transcripts. Two processes whatever the
# number of sessions (a tail for the last lines, an awk for the rest), none
# when no session has one.
# Each entry: \036<project>/<id>, then "event <line>" and "usage <input>
# <output> <cacheRead> <cacheWrite> <cost or ->".
# Args: dataDir instance
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
base=$root/$1
set -- "$base"/*/agent-state/*/events
[ -f "$1" ] || exit 0
set -- "$base"/*/agent-state/*/usage-*
[ -f "$1" ] || set --
# tail prints "==> file <==" above each file's last line when it has more
# than one file (hence /dev/null); the awk reads that from stdin (its first
# line a marker, so stdin is never empty), then the usage files.
{
  echo ao-agent-state
  tail -n 1 -- /dev/null "$base"/*/agent-state/*/events 2>/dev/null
} | AO_BASE="$base/" awk '
  function key(path,   k) {
    if (index(path, ENVIRON["AO_BASE"]) != 1) return ""
    k = substr(path, length(ENVIRON["AO_BASE"]) + 1)
    if (!sub(/\/agent-state\//, "/", k)) return ""
    sub(/\/[^\/]*$/, "", k)
    return k
  }
  FNR == 1 { file++ }
  file == 1 {
    if ($0 ~ /^==> .* <==$/) { k = key(substr($0, 5, length($0) - 8)); next }
    if (k != "" && $0 != "") { last[k] = $0; seen[k] = 1 }
    next
  }
  FNR == 1 {
    k = key(FILENAME)
    if (k == "" || NF < 5) next
    seen[k] = 1; has[k] = 1
    inp[k] += $2; outp[k] += $3; cr[k] += $4; cw[k] += $5
    if ($6 != "" && $6 != "-") { cost[k] += $6; priced[k] = 1 }
  }
  END {
    for (k in seen) {
      printf "\036%s\n", k
      if (k in last) printf "event %s\n", last[k]
      if (k in has) printf "usage %.0f %.0f %.0f %.0f %s\n", inp[k], outp[k], cr[k], cw[k], (k in priced) ? sprintf("%.6f", cost[k]) : "-"
    }
  }' - "$@"
exit 0
