# Takes the data root from $1 (then shifts) and expands a leading ~ on the
# host, where $HOME is known; sets a private umask.
# shellcheck shell=sh disable=SC2034,SC2088 # root is for the includer; "~" is matched literally on purpose
root=$1; shift
# Everything ao writes under the data root (records, event log with every
# message, prompts, archives) is private to the user.
umask 077
case $root in "~") root=$HOME ;; "~/"*) root=$HOME/${root#"~/"} ;; esac
