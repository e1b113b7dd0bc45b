import { readFileSync } from 'node:fs';

declare const __AO_VERSION__: string | undefined;

/** The package version: baked into the bundle at build time, else read from package.json next to the sources. */
export function aoVersion(): string {
  if (typeof __AO_VERSION__ === 'string') return __AO_VERSION__;
  for (const up of ['../../package.json', '../package.json']) {
    try {
      const pkg = JSON.parse(readFileSync(new URL(up, import.meta.url), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'agent-orchestrator-github' && pkg.version) return pkg.version;
    } catch {
      /* try the next place */
    }
  }
  return 'unknown';
}
