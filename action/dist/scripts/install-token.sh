#!/bin/sh
# Put a repo's current installation token on this host for its agent
# sessions, with the credential helper that git asks for it and the gh shim
# that hands it to gh. Run at every spawn and restore, and again by the
# app's refresh before the token expires (a token lives one hour).
# Args: tokenFile helper helperText shim shimText
# Stdin: the token, never an argument: arguments show in `ps`.
# shellcheck source=lib/exit-codes.sh
. "$AO_LIB/exit-codes.sh"
token_file=$1; helper=$2; helper_text=$3; shim=$4; shim_text=$5
# Private to the user, from the first directory made, like everything under the data root.
umask 077
mkdir -p "${token_file%/*}" "${helper%/*}" "${shim%/*}" || exit "$EX_FAILED"
# Each file is written whole under a temporary name and then renamed over
# the old one: a git or gh that reads it meanwhile sees the old content or
# the new, never half of either.
put() {
  if printf '%s' "$2" > "$1.tmp.$$" && chmod 700 "$1.tmp.$$" && mv -f "$1.tmp.$$" "$1"; then return 0; fi
  rm -f "$1.tmp.$$"
  return 1
}
put "$helper" "$helper_text" || exit "$EX_FAILED"
put "$shim" "$shim_text" || exit "$EX_FAILED"
tmp=$token_file.tmp.$$
if cat > "$tmp" && [ -s "$tmp" ] && chmod 600 "$tmp" && mv -f "$tmp" "$token_file"; then exit 0; fi
rm -f "$tmp"
echo "writing the token file $token_file failed" >&2
exit "$EX_FAILED"
