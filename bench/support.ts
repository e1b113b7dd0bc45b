import { readFileSync } from 'node:fs';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export async function timeIt<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = process.hrtime.bigint();
  const value = await fn();
  return { ms: Number(process.hrtime.bigint() - start) / 1e6, value };
}

/** Median wall time of `runs` sequential runs (after one warm-up). */
export async function medianMs(runs: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await timeIt(fn)).ms);
  return median(times);
}

/** Processes created on this machine since boot (the `processes` line of /proc/stat). */
export function forkCount(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n').find((l) => l.startsWith('processes '));
  return Number(line?.split(' ')[1] ?? 0);
}

export const fmt = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(1)} ms`);
export const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}x`;

export interface BenchRow {
  name: string;
  value: string;
  note?: string;
}

export function printRows(title: string, rows: BenchRow[]): void {
  process.stdout.write(`\n## ${title}\n\n| measure | result | note |\n|---|---|---|\n`);
  for (const r of rows) process.stdout.write(`| ${r.name} | ${r.value} | ${r.note ?? ''} |\n`);
}
