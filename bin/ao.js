#!/usr/bin/env node
// Entry point of the `ao` CLI. Runs the bundle when present (`npm run
// build`: a fast start), else the TypeScript sources through tsx.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/ao.mjs', import.meta.url);
if (existsSync(bundle) && !process.env.AO_FROM_SOURCE) {
  await import(bundle.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
