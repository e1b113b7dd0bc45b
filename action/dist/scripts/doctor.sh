#!/bin/sh
# Everything a runner host needs, checked in one round trip.
# Args: dataDir program...
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
echo "git=$(git --version 2>/dev/null | sed 's/^git version //')"
echo "tmux=$(tmux -V 2>/dev/null | sed 's/^tmux //')"
echo "root=$root"
if mkdir -p "$root" 2>/dev/null && probe="$root/.ao-doctor.$$" && : > "$probe" 2>/dev/null; then rm -f "$probe"; echo writable=yes; else echo writable=no; fi
# The agents' programs (the remaining arguments), on the PATH a session will have.
i=0
for program in "$@"; do
  i=$((i + 1))
  if found=$(command -v "$program" 2>/dev/null); then echo "program$i=$found"; else echo "program$i=missing"; fi
done
