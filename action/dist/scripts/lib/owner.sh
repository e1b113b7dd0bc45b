# read_owner DIR: sets $seen to the owner line of the lock DIR (empty when
# there is none), with the read builtin: no process.
# shellcheck shell=sh disable=SC2034 # $seen is for the includer
read_owner() {
  seen=
  [ -r "$1/owner" ] && read -r seen < "$1/owner" 2>/dev/null
  return 0
}
