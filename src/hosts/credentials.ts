import { AoError } from '../core/errors.js';
import { execScript, type Host } from './host.js';
import { hostScript } from './scripts.js';

/**
 * A repo's installation token on a runner host, for its agent sessions: the
 * token file (private to the user, outside any worktree), the git credential
 * helper that reads it and the `gh` shim that hands it to gh. The token
 * travels on stdin only: a command's arguments show in `ps` on the host.
 */

export interface TokenFiles {
  tokenFile: string;
  helper: string;
  /** The directory of the gh shim (put first on agents' PATH). */
  bin: string;
}

/** A token as GitHub mints them (`ghs_...`, or the newer `ghs_<app>_<jwt>`): printable, no spaces, one line. */
const TOKEN_SHAPE = /^[\x21-\x7e]{8,4096}$/;

/** Installed files are programs: git and sh run them directly, so they need their interpreter line. */
function program(name: string): string {
  return `#!/bin/sh\n${hostScript(name)}`;
}

/** Write (or rewrite: refresh) a repo's token on a host, with the helper and the shim. One round trip. */
export async function installToken(host: Host, files: TokenFiles, token: string): Promise<void> {
  // The message never quotes the token: errors reach logs and comments.
  if (!TOKEN_SHAPE.test(token)) throw new AoError('failed', 'the installation token has an unexpected shape (empty, multi-line or with spaces); it was not written');
  const result = await execScript(host, hostScript('install-token'), [files.tokenFile, files.helper, program('git-credential'), `${files.bin}/gh`, program('gh-shim')], { stdin: token });
  if (result.code !== 0) throw new AoError('host', `writing the installation token on host "${host.name}" failed: ${result.stderr.trim() || `exit ${result.code}`}`);
}
