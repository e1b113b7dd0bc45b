import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildAction, readmeWithInputs } from '../../action/build.js';
import { actionManifest } from '../../action/manifest.js';
import { makeTempDir } from '../support/tmp.js';
import { ACTION_SRC, filesUnder } from './support.js';

/**
 * What the Action runs is checked in (action/dist: a step installs
 * nothing). These fail when it is not what the sources make now: after a
 * change to src/ or action/, run `npm run build:action` and commit
 * action/dist, action/action.yml and action/README.md.
 */

const FIX = 'stale: run `npm run build:action` and commit action/ (dist, action.yml, README.md)';
const { dir, cleanup } = makeTempDir('ao-action-build');
afterAll(cleanup);

describe('the checked-in action', () => {
  it('action/dist is byte for byte a fresh build of the sources', async () => {
    const fresh = path.join(dir, 'dist');
    await buildAction(fresh);
    const committed = path.join(ACTION_SRC, 'dist');
    const list = (root: string) => filesUnder(root).map((f) => path.relative(root, f)).sort();
    expect(list(committed), FIX).toEqual(list(fresh));
    for (const file of list(fresh)) {
      expect(readFileSync(path.join(committed, file)).equals(readFileSync(path.join(fresh, file))), `${file}: ${FIX}`).toBe(true);
    }
  }, 120_000);

  it('action.yml is what the command registry makes, and so is the README\'s table of inputs', () => {
    expect(readFileSync(path.join(ACTION_SRC, 'action.yml'), 'utf8'), FIX).toBe(actionManifest());
    const readme = readFileSync(path.join(ACTION_SRC, 'README.md'), 'utf8');
    expect(readme, FIX).toBe(readmeWithInputs(readme));
  });
});
