#!/bin/sh
# Remove a record and its lock (rolling back a spawn that never ran).
# Args: dataDir file lock
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
rm -f "${root:?}/${1:?}"
rm -rf "${root:?}/${2:?}"
exit 0
