#!/bin/sh
# Append the event lines on stdin to a project's event log. Args: dataDir events
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
events=$root/$1
mkdir -p "${events%/*}" || exit "$EX_FAILED"
# shellcheck disable=SC2016 # $1 is expanded by the inner sh
if command -v flock >/dev/null 2>&1; then flock "$events.lock" sh -c 'cat >> "$1"' sh "$events"; else cat >> "$events"; fi
