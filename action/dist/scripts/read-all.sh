#!/bin/sh
# Every session record of an instance on this host (lib/records.sh).
# Args: dataDir instance
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
# shellcheck source=lib/records.sh
. "$AO_LIB/records.sh"
read_records "$root/$1" || exit "$EX_FAILED"
