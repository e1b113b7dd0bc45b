// Locates data files inside installed packages (GitHub's schema packages)
// without going through their `exports` maps, which do not list them.

import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export function packageFile(specifier: string): string {
  const require = createRequire(import.meta.url);
  for (const dir of require.resolve.paths(specifier) ?? []) {
    const candidate = join(dir, specifier);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`Cannot find ${specifier}; is the package installed?`);
}
