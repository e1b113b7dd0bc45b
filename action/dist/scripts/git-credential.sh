#!/bin/sh
# The git credential helper ao puts on runner hosts when the GitHub App
# gives agents their credentials: it answers with the repo's current
# installation token, read from the file the app rewrites before each token
# expires, so a long session keeps pushing. The mirror's config names it for
# the repo's clone URL, with the token file: git runs it as
# `git-credential-ao <token file> get|store|erase`, the request on stdin.
# git's credential protocol says which URL (protocol, host, path), never
# which refs, and asks before the refs are known: a push to another branch
# cannot be refused here; the push guard (pre-push.sh) does that.
file=$1
# git writes the whole request and then reads: take it all first.
cat >/dev/null
# store and erase: the file is the app's to keep; nothing is stored or forgotten here.
[ "$2" = get ] || exit 0
token=
[ -r "$file" ] && IFS= read -r token < "$file"
# No token (the file is missing): say nothing, and git fails rather than use another credential.
[ -n "$token" ] || exit 0
printf 'username=x-access-token\npassword=%s\n' "$token"
