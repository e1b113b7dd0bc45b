# Takes the data root from $1 (then shifts) and expands a leading ~ on the
# host, where $HOME is known.
# shellcheck shell=sh disable=SC2034,SC2088 # root is for the includer; "~" is matched literally on purpose
root=$1; shift
case $root in "~") root=$HOME ;; "~/"*) root=$HOME/${root#"~/"} ;; esac
