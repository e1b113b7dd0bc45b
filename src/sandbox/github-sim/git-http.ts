// Git over smart HTTP, as github.com serves it at `<host>/<owner>/<repo>.git`:
// Debian's `git http-backend` runs as a CGI program behind token
// authentication. The password (or, failing that, the username) of HTTP
// Basic auth is the token: an installation token (`ghs_`, with any username,
// as GitHub's `x-access-token`) or a user token (`ghp_`). Public repos can be
// cloned anonymously; pushing needs write access (a user with the write
// role, or an installation of an app with `contents: write` on the owner).
// A wrong or expired token gets 401 with a Basic challenge, so git asks its
// credential helper again, as it does against GitHub.
//
// A push that went through is noticed before the HTTP answer ends (push and
// pull_request.synchronize webhooks, sent as the pusher), as well as by the
// post-receive hook that catches pushes made straight to the bare repo.

import { spawn } from 'node:child_process';
import { basename, dirname } from 'node:path';
import type { NextFunction, Request, Response } from 'express';
import { isFailure, tokenCovers, tokenGrant, type AuthRegistry, type Identity } from './auth.js';
import { permissionAtLeast, type SimRepo } from './model.js';
import type { World } from './world.js';

const GIT_PATH = /^\/([^/]+)\/([^/]+?)(?:\.git)?\/(info\/refs|git-upload-pack|git-receive-pack)$/;

export interface GitHttpDeps {
  readonly world: World;
  readonly auth: AuthRegistry;
  /** Called after a successful push, before the answer ends: report it as `pusher`. */
  readonly onPush: (repo: SimRepo, pusher: string) => Promise<void>;
}

/** Counts of git HTTP requests served, by outcome (for tests). */
export interface GitHttpStats {
  fetches: number;
  pushes: number;
  refused: number;
}

function credentialOf(req: Request): { token?: string; malformed?: boolean } {
  const header = req.headers.authorization;
  if (!header) return {};
  const basic = /^basic\s+(\S+)$/i.exec(header.trim());
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon === -1 ? decoded : decoded.slice(0, colon);
    const password = colon === -1 ? '' : decoded.slice(colon + 1);
    const token = password || user;
    return token ? { token } : { malformed: true };
  }
  const bearer = /^(?:bearer|token)\s+(\S+)$/i.exec(header.trim());
  return bearer ? { token: bearer[1]! } : { malformed: true };
}

function refuse(res: Response, status: 401 | 403 | 404, message: string): void {
  if (status === 401) res.setHeader('www-authenticate', 'Basic realm="GitHub"');
  res.status(status).type('text/plain').send(`${message}\n`);
}

/** Who may do what, the way GitHub decides it for git. */
function allowed(world: World, repo: SimRepo, identity: Identity, write: boolean): 'ok' | 'login' | 'denied' | 'hidden' {
  if (identity.kind === 'anonymous') return repo.isPrivate ? 'login' : write ? 'login' : 'ok';
  if (identity.kind === 'app') return 'login'; // a JWT is not a git credential
  if (identity.kind === 'installation') {
    const installation = world.state.installations.get(identity.installationId);
    const app = world.state.apps.get(identity.appId);
    const onOwner = tokenCovers(identity, installation?.account, repo);
    const contents = app ? tokenGrant(identity, app.permissions, 'contents') : undefined;
    if (!onOwner) return repo.isPrivate ? 'hidden' : write ? 'denied' : 'ok';
    if (!contents) return repo.isPrivate ? 'hidden' : write ? 'denied' : 'ok';
    return write && contents !== 'write' ? 'denied' : 'ok';
  }
  const permission = world.state.permissionOf(repo, identity.login);
  if (permission === 'none') return 'hidden';
  return write && !permissionAtLeast(permission, 'write') ? 'denied' : 'ok';
}

function loginOf(identity: Identity): string | undefined {
  return identity.kind === 'user' || identity.kind === 'installation' ? identity.login : undefined;
}

export function createGitHttpHandler(deps: GitHttpDeps, stats: GitHttpStats = { fetches: 0, pushes: 0, refused: 0 }) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const url = new URL(req.originalUrl, 'http://sim.invalid');
    const match = GIT_PATH.exec(url.pathname);
    if (!match) return next();
    const [, owner, name, service] = match as unknown as [string, string, string, string];
    const receive = service === 'git-receive-pack' || (service === 'info/refs' && url.searchParams.get('service') === 'git-receive-pack');
    const repo = deps.world.state.repo(decodeURIComponent(owner), decodeURIComponent(name));

    const credential = credentialOf(req);
    let identity: Identity;
    if (credential.malformed) {
      stats.refused++;
      return refuse(res, 401, 'Invalid username or token.');
    }
    if (credential.token) {
      const result = deps.auth.authenticate(`token ${credential.token}`, req.socket.remoteAddress ?? 'local');
      if (isFailure(result)) {
        stats.refused++;
        return refuse(res, 401, 'Invalid username or token. Password authentication is not supported for Git operations.');
      }
      identity = result;
    } else {
      identity = { kind: 'anonymous', rateKey: `ip:${req.socket.remoteAddress ?? 'local'}` };
    }
    if (!repo) {
      stats.refused++;
      return refuse(res, identity.kind === 'anonymous' ? 401 : 404, 'Repository not found.');
    }
    const verdict = allowed(deps.world, repo, identity, receive);
    if (verdict !== 'ok') {
      stats.refused++;
      if (verdict === 'login') return refuse(res, 401, 'Authentication required.');
      if (verdict === 'hidden') return refuse(res, 404, 'Repository not found.');
      return refuse(res, 403, `Permission to ${repo.owner}/${repo.name}.git denied to ${loginOf(identity) ?? 'anonymous'}.`);
    }

    const gitDir = repo.git.gitDir;
    const pusher = loginOf(identity);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_PROJECT_ROOT: dirname(dirname(gitDir)),
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: `/${basename(dirname(gitDir))}/${basename(gitDir)}/${service}`,
      REQUEST_METHOD: req.method,
      QUERY_STRING: url.search.replace(/^\?/, ''),
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      REMOTE_ADDR: req.socket.remoteAddress ?? '127.0.0.1',
      ...(req.headers['content-length'] ? { CONTENT_LENGTH: String(req.headers['content-length']) } : {}),
      ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) } : {}),
      ...(req.headers['git-protocol'] ? { GIT_PROTOCOL: String(req.headers['git-protocol']) } : {}),
      // receive-pack is only enabled for an authenticated user; the post-receive hook reports the pusher.
      ...(pusher ? { REMOTE_USER: pusher, GHSIM_PUSHER: pusher } : {}),
    };
    const child = spawn('git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    req.pipe(child.stdin);
    child.stdin.on('error', () => undefined); // the backend may stop reading early (bad request)

    let head = Buffer.alloc(0);
    let headersSent = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersSent) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n') !== -1 ? { at: head.indexOf('\r\n\r\n'), size: 4 } : head.indexOf('\n\n') !== -1 ? { at: head.indexOf('\n\n'), size: 2 } : undefined;
      if (!end) return;
      let status = 200;
      for (const line of head.subarray(0, end.at).toString('latin1').split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon === -1) continue;
        const key = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (key.toLowerCase() === 'status') status = Number(value.split(' ')[0]) || 200;
        else res.setHeader(key, value);
      }
      res.status(status);
      headersSent = true;
      const rest = head.subarray(end.at + end.size);
      if (rest.length > 0) res.write(rest);
    });
    child.on('error', (error) => {
      if (!headersSent) res.status(500).type('text/plain').send(`git http-backend: ${error.message}\n`);
    });
    child.on('close', (code) => {
      void (async () => {
        if (!headersSent) {
          res.status(500).type('text/plain').send(`git http-backend failed (${code}): ${stderr.trim()}\n`);
          return;
        }
        if (service === 'git-receive-pack' && req.method === 'POST') {
          stats.pushes++;
          if (code === 0 && pusher) await deps.onPush(repo, pusher).catch(() => undefined);
        } else if (service === 'git-upload-pack') stats.fetches++;
        res.end();
      })();
    });
  };
}
