import { readFileSync } from 'node:fs';
import os from 'node:os';

/**
 * Who holds a lock: `machine:pid:start` of the ao process, where `machine`
 * is the boot ID (a new one after every reboot) and `start` the process's
 * start time in clock ticks since boot, so a reused PID is not mistaken for
 * the holder. A waiter on the same machine can then tell at once that a
 * holder died, instead of waiting for its heartbeat to go stale.
 */

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().replace(/-/g, '').slice(0, 16);
  } catch {
    return `host-${os.hostname().replace(/[^A-Za-z0-9.-]/g, '')}`;
  }
}

/** Field 22 of /proc/<pid>/stat: start time in ticks since boot; undefined without /proc or for a gone process (a zombie too: it has ended). */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[0] === 'Z' ? undefined : fields[19];
  } catch {
    return undefined;
  }
}

let self: string | undefined;

/** This process as a lock holder. */
export function thisHolder(): string {
  self ??= `${bootId()}:${process.pid}:${processStart(process.pid) ?? 'unknown'}`;
  return self;
}

/**
 * Whether the holder named in a lock's owner line is certainly dead: it ran
 * on this machine (same boot) and its process is gone or is another process
 * now. Undefined when it cannot be told from here (another machine, an older
 * owner line without a holder).
 */
export function holderIsDead(ownerLine: string): boolean | undefined {
  const holder = ownerLine.trim().split(/\s+/)[2];
  const m = holder ? /^([^:]+):(\d+):(\S+)$/.exec(holder) : null;
  if (!m) return undefined;
  const [, machine, pid, start] = m as unknown as [string, string, string, string];
  if (machine !== bootId()) return undefined;
  const now = processStart(Number(pid));
  return now === undefined || (start !== 'unknown' && now !== start);
}
