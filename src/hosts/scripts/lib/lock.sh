# mkdir lock with stale recovery. Expects $lock, $token, $stale (seconds)
# and $wait (seconds) to be set; exits with EX_BUSY when $wait passes.
# shellcheck shell=sh disable=SC2154 # the includer sets the variables named above
mkdir -p "${lock%/*}" || exit "$EX_FAILED"
start=$(date +%s)
while ! mkdir "$lock" 2>/dev/null; do
  now=$(date +%s)
  seen=$(cat "$lock/owner" 2>/dev/null)
  born=${seen#* }
  [ -n "$seen" ] || born=$(date -r "$lock" +%s 2>/dev/null) || born=$now
  if [ $((now - born)) -gt "$stale" ]; then
    # A lock this old belongs to a process that died mid-update: break it, but only
    # if what we moved is the lock we judged (another waiter may have broken it and locked anew).
    if mv "$lock" "$lock.stale.$$" 2>/dev/null; then
      if [ "$(cat "$lock.stale.$$/owner" 2>/dev/null)" = "$seen" ]; then rm -rf "$lock.stale.$$"
      elif [ ! -e "$lock" ]; then mv "$lock.stale.$$" "$lock" 2>/dev/null || rm -rf "$lock.stale.$$"
      else rm -rf "$lock.stale.$$"; fi
    fi
    continue
  fi
  if [ $((now - start)) -ge "$wait" ]; then
    echo "locked by $(cat "$lock/owner" 2>/dev/null || echo unknown)" >&2
    exit "$EX_BUSY"
  fi
  sleep 0.05
done
echo "$token $(date +%s)" > "$lock/owner.$$" && mv -f "$lock/owner.$$" "$lock/owner"
