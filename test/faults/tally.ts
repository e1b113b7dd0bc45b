import { mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The fault suite's figures (docs/RELIABILITY.md): faults injected, runs,
 * inconsistent end states, partial deliveries and work lost, counted from
 * what the tests observed. Each test file counts in its own process; with
 * AO_RELIABILITY_REPORT=<file> set, each file writes its part next to the
 * report and merges every part of the same vitest run into the report.
 */

export interface Figures {
  /** Fault runs: one per scenario carried out (a round of a race is one run). */
  runs: number;
  faultsInjected: number;
  faultsByKind: Record<string, number>;
  /** End states audited, and how many of them were inconsistent (target 0). */
  endStatesAudited: number;
  inconsistentEndStates: number;
  /** Messages whose arrival was checked, and how many arrived partially or split (target 0). */
  messagesChecked: number;
  partialDeliveries: number;
  /** Files compared before and after (kill, restore, interrupted operations), and how many were lost or changed (target 0). */
  filesChecked: number;
  workLost: number;
  /** How runs ended where more than one end is correct (which of two racing operations went last, whether a cut landed mid-transfer). */
  outcomes: Record<string, number>;
}

const empty = (): Figures => ({
  runs: 0,
  faultsInjected: 0,
  faultsByKind: {},
  endStatesAudited: 0,
  inconsistentEndStates: 0,
  messagesChecked: 0,
  partialDeliveries: 0,
  filesChecked: 0,
  workLost: 0,
  outcomes: {},
});

const figures = empty();

export const tally = {
  run(n = 1): void {
    figures.runs += n;
  },
  fault(kind: string): void {
    figures.faultsInjected++;
    figures.faultsByKind[kind] = (figures.faultsByKind[kind] ?? 0) + 1;
  },
  endState(inconsistent: boolean): void {
    figures.endStatesAudited++;
    if (inconsistent) figures.inconsistentEndStates++;
  },
  deliveriesChecked(messages: number, partial: number): void {
    figures.messagesChecked += messages;
    figures.partialDeliveries += partial;
  },
  outcome(what: string): void {
    figures.outcomes[what] = (figures.outcomes[what] ?? 0) + 1;
  },
  workChecked(files: number, lost: number): void {
    figures.filesChecked += files;
    figures.workLost += lost;
  },
  get figures(): Readonly<Figures> {
    return figures;
  },
};

function merge(into: Figures, part: Figures): void {
  for (const key of ['runs', 'faultsInjected', 'endStatesAudited', 'inconsistentEndStates', 'messagesChecked', 'partialDeliveries', 'filesChecked', 'workLost'] as const) {
    into[key] += part[key];
  }
  for (const [kind, n] of Object.entries(part.faultsByKind)) into.faultsByKind[kind] = (into.faultsByKind[kind] ?? 0) + n;
  for (const [what, n] of Object.entries(part.outcomes ?? {})) into.outcomes[what] = (into.outcomes[what] ?? 0) + n;
}

/**
 * Write this file's figures (call from afterAll). Parts live in
 * `<report>.parts/<vitest pid>/`, so a later run never counts an earlier one's.
 */
export async function writeTally(file: string): Promise<void> {
  const report = process.env.AO_RELIABILITY_REPORT;
  if (!report) return;
  const run = String(process.ppid);
  const partsDir = path.resolve(`${report}.parts`, run);
  mkdirSync(partsDir, { recursive: true });
  const name = path.basename(file).replace(/[^A-Za-z0-9.-]/g, '_');
  writeFileSync(path.join(partsDir, `${name}.json.tmp`), JSON.stringify(figures));
  renameSync(path.join(partsDir, `${name}.json.tmp`), path.join(partsDir, `${name}.json`));
  // Merge every part of this run under a lock (mkdir), so two files finishing together both count.
  const lock = `${path.resolve(report)}.lock`;
  for (let i = 0; ; i++) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (i > 200) break; // a lock left by a killed run: merge anyway
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  try {
    const total = empty();
    const files: string[] = [];
    for (const part of readdirSync(partsDir).filter((p) => p.endsWith('.json')).sort()) {
      merge(total, JSON.parse(readFileSync(path.join(partsDir, part), 'utf8')) as Figures);
      files.push(part.replace(/\.json$/, ''));
    }
    const doc = { generatedAt: new Date().toISOString(), testFiles: files, ...total };
    writeFileSync(`${report}.tmp`, `${JSON.stringify(doc, null, 2)}\n`);
    renameSync(`${report}.tmp`, report);
  } finally {
    try {
      rmdirSync(lock);
    } catch {
      /* already gone */
    }
  }
}
