import { describe, expect, it } from 'vitest';
import { absolutePaths, backupRef, relativePaths } from '../../src/core/layout.js';

describe('layout: where things live on a host', () => {
  const rel = relativePaths('prod');
  const abs = absolutePaths('/home/ao/.agent-orchestrator/', 'prod');
  it.each<[string, string, string]>([
    ['session record', rel.session('web', 'web-3'), 'prod/web/sessions/web-3'],
    ['record lock (the historical name)', rel.lock('web', 'web-3', 'record'), 'prod/web/locks/web-3'],
    ['send lock', rel.lock('web', 'web-3', 'send'), 'prod/web/locks/web-3.send'],
    ['runtime lock', rel.lock('web', 'web-3', 'runtime'), 'prod/web/locks/web-3.runtime'],
    ['ID reservation', rel.idReservation('web', 3), 'prod/web/ids/3'],
    ['issue claim', rel.issueClaim('web', 42), 'prod/web/issues/42'],
    ['event log', rel.events('web'), 'prod/web/events.jsonl'],
    ['worktree', abs.worktree('web', 'web-3'), '/home/ao/.agent-orchestrator/prod/web/worktrees/web-3'],
    ['prompt, outside the worktree', abs.prompt('web', 'web-3'), '/home/ao/.agent-orchestrator/prod/web/prompts/web-3.md'],
    ['mirror, one per repo', abs.mirror('acme/web'), '/home/ao/.agent-orchestrator/prod/repos/acme/web.git'],
    ['archive of what kill keeps on the host', abs.savedArchive('web', 'web-3', '20261129T100000Z'), '/home/ao/.agent-orchestrator/prod/web/saved/web-3/20261129T100000Z.tar'],
    ['backup ref, naming the deployment', backupRef('prod-0123456789ab', 'web-3'), 'refs/ao/backup/prod-0123456789ab/web-3'],
  ])('%s', (_name, actual, expected) => {
    expect(actual).toBe(expected);
  });
});
