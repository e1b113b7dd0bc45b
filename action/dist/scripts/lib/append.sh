# append_file SRC DEST: append SRC to DEST, serialised with other writers
# by flock where the host has it (lines of concurrent appends never mix).
# shellcheck shell=sh
append_file() {
  if command -v flock >/dev/null 2>&1; then
    # shellcheck disable=SC2016 # $1 and $2 are expanded by the inner sh
    flock "$2.lock" sh -c 'cat "$1" >> "$2"' sh "$1" "$2"
  else
    cat "$1" >> "$2"
  fi
}
