#!/bin/sh
# The data root with ~ expanded. Args: dataDir
# shellcheck source=lib/root.sh
. "$AO_LIB/root.sh"
printf '%s' "$root"
