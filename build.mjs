// `npm run build`: one bundle per entry (the ao CLI now; the GitHub App and
// the Action's runner as they come), with each command's operation in a
// chunk of its own that loads only when that command runs. The host scripts
// travel next to the bundle (dist/scripts), where src/hosts/scripts.ts looks
// for them. Node 20, ESM; native add-ons (ssh2's optional ones) stay out:
// ssh2 falls back to plain JavaScript without them.
import { build } from 'esbuild';
import { cpSync, readFileSync, rmSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'));
rmSync(new URL('./dist', import.meta.url), { recursive: true, force: true });
const result = await build({
  entryPoints: { ao: 'src/cli/main.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  outExtension: { '.js': '.mjs' },
  chunkNames: '[name]-[hash]',
  external: ['cpu-features', '*.node'],
  define: { __AO_VERSION__: JSON.stringify(pkg.version) },
  // CommonJS dependencies (ssh2) call require(): give the ESM bundle one.
  banner: { js: "import { createRequire as __aoCreateRequire } from 'node:module'; const require = __aoCreateRequire(import.meta.url);" },
  legalComments: 'none',
  minifyWhitespace: true,
  metafile: true,
  logLevel: 'warning',
});
cpSync(new URL('./src/hosts/scripts', import.meta.url), new URL('./dist/scripts', import.meta.url), { recursive: true });
const outputs = Object.entries(result.metafile.outputs).filter(([f]) => f.endsWith('.mjs'));
const total = outputs.reduce((n, [, o]) => n + o.bytes, 0);
process.stdout.write(`build: ${outputs.length} files, ${(total / 1024).toFixed(0)} KiB in dist/ (entry dist/ao.mjs)\n`);
