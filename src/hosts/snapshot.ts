import { execScript, type Host } from './host.js';
import { FILE_SEPARATOR, GROUP_SEPARATOR, scriptEntries, scriptSections } from './script-output.js';
import { hostScript } from './scripts.js';
import type { Metadata } from '../core/metadata.js';
import { parseRecordDump, parseRecords, type StoredRecord, type StoreWarning } from './store.js';
import { parseProbeOutput, type PaneProbe } from './tmux.js';

/**
 * What one round trip to a host tells: every session record of the
 * deployment there, the state and last lines of every pane of ours, and
 * what the agents' own logs say (for agents that keep one). One `sh` per
 * host per refresh, whatever the number of sessions.
 */
export interface HostSnapshot {
  host: string;
  reachable: boolean;
  error?: string;
  records: StoredRecord[];
  warnings: StoreWarning[];
  /** Each project's control file on this host (the arbiter, the first host, keeps them). */
  controls: Map<string, Metadata>;
  /** Whether tmux answered on our socket ("none" proves nothing about the agents: see `processes`). */
  tmuxServer: 'up' | 'none';
  panes: Map<string, PaneProbe>;
  /**
   * Each recorded agent process (records' panePid) and its start time now:
   * '' when it is gone, '?' when the host cannot tell the start (no /proc).
   */
  processes: Map<number, string>;
  /** Per agent log probe (by name): the entries its script printed, key -> last line. */
  logs: Map<string, Map<string, string>>;
}

/** An agent's log reader (src/agents): a host script taking (dataDir, instance) that prints `\036key\nline` entries. */
export interface LogProbeScript {
  name: string;
  script: string;
}

export interface SnapshotTarget {
  dataDir: string;
  instance: string;
  tmuxSocket: string;
  /** Only tmux sessions whose name starts with this are ours. */
  namePrefix: string;
  historyLines: number;
  logProbes: readonly LogProbeScript[];
}

function compose(logProbes: readonly LogProbeScript[]): string {
  const parts = [
    hostScript('snapshot'),
    // Each agent's log probe runs in a subshell of its own, with the data root already expanded.
    ...logProbes.flatMap((probe) => [`printf '\\034\\n'`, `( set -- "$root" "$instance"\n${hostScript(probe.script)})`]),
    'exit 0',
  ];
  return `${parts.join('\n')}\n`;
}

const composed = new Map<string, string>();

export function snapshotScript(logProbes: readonly LogProbeScript[]): string {
  const key = logProbes.map((p) => p.script).join(',');
  let script = composed.get(key);
  if (!script) {
    script = compose(logProbes);
    composed.set(key, script);
  }
  return script;
}

/** Split a snapshot's output; the pure half of `takeSnapshot`. */
export function parseSnapshot(host: string, out: string, target: Pick<SnapshotTarget, 'historyLines' | 'logProbes' | 'namePrefix'>): HostSnapshot {
  const [recordPart = '', processPart = '', rest = ''] = scriptSections(out, GROUP_SEPARATOR, 3);
  const [panePart = '', ...logParts] = scriptSections(rest, FILE_SEPARATOR, 1 + target.logProbes.length);
  const dump = parseRecordDump(recordPart);
  const { records, warnings } = parseRecords(dump);
  const processes = new Map<number, string>();
  for (const line of processPart.split('\n')) {
    const m = /^(\d+) ?(\S*)$/.exec(line);
    if (m) processes.set(Number(m[1]), m[2] ?? '');
  }
  const probe = parseProbeOutput(panePart, target.historyLines, target.namePrefix);
  const logs = new Map<string, Map<string, string>>();
  target.logProbes.forEach((probe, i) => {
    logs.set(probe.name, new Map(scriptEntries(logParts[i] ?? '').map((e) => [e.header, e.body.trim()])));
  });
  return { host, reachable: true, records, warnings, controls: dump.controls, tmuxServer: probe.server, panes: probe.panes, processes, logs };
}

/** One round trip. A host that cannot be asked is `reachable: false`, never "no sessions". */
export async function takeSnapshot(hostName: string, host: Host, target: SnapshotTarget): Promise<HostSnapshot> {
  try {
    const result = await execScript(host, snapshotScript(target.logProbes), [target.dataDir, target.instance, target.tmuxSocket, target.namePrefix, String(target.historyLines)], { timeoutMs: 60_000 });
    if (result.code !== 0) throw new Error(result.stderr.trim() || `exit ${result.code}`);
    return parseSnapshot(hostName, result.stdout, target);
  } catch (error) {
    return unreachable(hostName, error instanceof Error ? error.message : String(error));
  }
}

export function unreachable(host: string, error: string): HostSnapshot {
  return { host, reachable: false, error, records: [], warnings: [], controls: new Map(), tmuxServer: 'none', panes: new Map(), processes: new Map(), logs: new Map() };
}
