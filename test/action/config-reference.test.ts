import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as z from 'zod/mini';
import { CONFIG_REFERENCE, configReference, UNDOCUMENTED } from '../../scripts/docs-config.js';
import { configSchema } from '../../src/core/config.js';

/** docs/CONFIGURATION.md is generated from the config schema: it fails when they drift apart. */

describe('the configuration reference', () => {
  it('is what the schema makes now (run `npm run docs:config` after changing src/core/config.ts)', () => {
    expect(readFileSync(CONFIG_REFERENCE, 'utf8')).toBe(configReference());
  });

  it('describes every key of the schema', () => {
    expect(configReference()).not.toContain(UNDOCUMENTED);
    const keys = Object.keys((z.toJSONSchema(configSchema, { io: 'input' }) as { properties: object }).properties);
    for (const key of keys) expect(configReference()).toContain(`| \`${key}\` |`);
  });
});
