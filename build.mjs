// `npm run build`: one bundle per entry (the ao CLI now; the GitHub App and
// the Action's runner as they come), with each command's operation in a
// chunk of its own that loads only when that command runs. The host scripts
// travel next to the bundle (dist/scripts), where src/hosts/scripts.ts looks
// for them. Node 20, ESM; native add-ons (ssh2's optional ones) stay out:
// ssh2 falls back to plain JavaScript without them.
import { build } from 'esbuild';
import { cpSync, readFileSync, rmSync } from 'node:fs';

import path from 'node:path';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
const at = process.argv.indexOf('--outdir');
const outdir = path.resolve(at > 0 ? process.argv[at + 1] : new URL('./dist', import.meta.url).pathname);
rmSync(outdir, { recursive: true, force: true });
const result = await build({
  entryPoints: { ao: 'src/cli/main.ts' },
  outdir,
  absWorkingDir: path.dirname(new URL(import.meta.url).pathname),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  chunkNames: '[name]-[hash]',
  external: ['cpu-features', '*.node'],
  define: { __AO_VERSION__: JSON.stringify(pkg.version) },
  // CommonJS dependencies (ssh2) use require() and __dirname: give the ESM bundle both.
  banner: {
    js: [
      "import { createRequire as __aoCreateRequire } from 'node:module';",
      "import { fileURLToPath as __aoFileURLToPath } from 'node:url';",
      "import { dirname as __aoDirname } from 'node:path';",
      'const require = __aoCreateRequire(import.meta.url);',
      'const __filename = __aoFileURLToPath(import.meta.url);',
      'const __dirname = __aoDirname(__filename);',
    ].join(' '),
  },
  legalComments: 'none',
  minifyWhitespace: true,
  metafile: true,
  logLevel: 'warning',
});
cpSync(new URL('./src/hosts/scripts', import.meta.url), path.join(outdir, 'scripts'), { recursive: true });
const outputs = Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith('.mjs'));
const total = outputs.reduce((n, [, o]) => n + o.bytes, 0);
process.stdout.write(`build: ${outputs.length} files, ${(total / 1024).toFixed(0)} KiB in ${path.relative(process.cwd(), outdir) || '.'} (entry ao.mjs)\n`);
