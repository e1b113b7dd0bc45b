# mkdir lock with recovery. Expects $lock, $token, $stale (seconds), $wait
# (seconds), $holder (who holds it: machine:pid:start of the ao process) and
# $dead (an owner line the caller knows to be dead, or empty); exits with
# EX_BUSY, printing the owner line, when $wait passes.
# The owner file holds "<token> <epoch> <holder>". A lock is broken when it
# is older than $stale (its holder stopped its heartbeat), when its owner
# line is unreadable or from the future (nobody can hold it), or when it is
# exactly the line the caller proved dead. Needs lib/owner.sh.
# shellcheck shell=sh disable=SC2154 # the includer sets the variables named above
[ -d "${lock%/*}" ] || mkdir -p "${lock%/*}" || exit "$EX_FAILED"
start=$(date +%s)
now=$start
while ! mkdir "$lock" 2>/dev/null; do
  now=$(date +%s)
  read_owner "$lock"
  rest=${seen#* }; born=${rest%% *}
  case $born in '' | *[!0-9]*) born= ;; esac
  if [ -z "$seen" ]; then
    # The owner is written right after the mkdir: only a lock that stays ownerless is abandoned.
    made=$(date -r "$lock" +%s 2>/dev/null) || made=$now
    if [ $((now - made)) -gt 5 ]; then born=0; else born=$now; fi
  elif [ -z "$born" ] || [ "$born" -gt $((now + 300)) ]; then
    born=0
  fi
  if [ $((now - born)) -gt "$stale" ] || { [ -n "$dead" ] && [ "$seen" = "$dead" ]; }; then
    # Break it, but only if what we moved is the lock we judged (another waiter may have broken it and locked anew).
    if mv "$lock" "$lock.stale.$$" 2>/dev/null; then
      judged=$seen
      read_owner "$lock.stale.$$"
      if [ "$seen" = "$judged" ]; then rm -rf "$lock.stale.$$"
      elif [ ! -e "$lock" ]; then mv "$lock.stale.$$" "$lock" 2>/dev/null || rm -rf "$lock.stale.$$"
      else rm -rf "$lock.stale.$$"; fi
    fi
    continue
  fi
  if [ $((now - start)) -ge "$wait" ]; then
    printf 'locked by %s\n' "${seen:-(no owner yet)}" >&2
    exit "$EX_BUSY"
  fi
  sleep 0.05
done
# The time of the last look: taken a moment ago (or when the lock came free), so no second date is run.
echo "$token $now $holder" > "$lock/owner.$$" && mv -f "$lock/owner.$$" "$lock/owner"
