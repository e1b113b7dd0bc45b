// Who is calling: a GitHub App (RS256 JWT), one of its installations
// (`ghs_` token, valid one hour), a user (`ghp_` token minted by the scenario
// API) or nobody. Checks follow GitHub's rules and messages.

import { createPublicKey, randomBytes, verify } from 'node:crypto';
import type { SimState } from './model.js';

export type Identity =
  | { readonly kind: 'anonymous'; readonly rateKey: string }
  | { readonly kind: 'app'; readonly appId: number; readonly rateKey: string }
  | {
      readonly kind: 'installation';
      readonly installationId: number;
      readonly appId: number;
      /** The app's bot account, e.g. `my-app[bot]`. */
      readonly login: string;
      readonly rateKey: string;
      /** Set when the token was asked for some repositories only (lower-case names). */
      readonly repositories?: readonly string[];
      /** Set when the token was asked for fewer permissions than the app has. */
      readonly permissions?: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'user'; readonly login: string; readonly rateKey: string };

export interface AuthFailure {
  readonly failure: true;
  readonly status: 401 | 403;
  readonly message: string;
}

interface InstallationToken {
  readonly installationId: number;
  readonly appId: number;
  expiresAt: number;
  readonly repositories?: readonly string[];
  readonly permissions?: Readonly<Record<string, string>>;
}

/** Does an installation's token reach this repository (on its account, and in its selection if it has one)? */
export function tokenCovers(identity: Extract<Identity, { kind: 'installation' }>, installationAccount: string | undefined, repo: { owner: string; name: string }): boolean {
  if (installationAccount?.toLowerCase() !== repo.owner.toLowerCase()) return false;
  return !identity.repositories || identity.repositories.includes(repo.name.toLowerCase());
}

/** The permission a token holds for a scope: the token's own set when it was narrowed, else the app's. */
export function tokenGrant(identity: Extract<Identity, { kind: 'installation' }>, appPermissions: Readonly<Record<string, string>>, scope: string): string | undefined {
  if (scope === 'metadata') return appPermissions.metadata ?? 'read';
  return identity.permissions ? identity.permissions[scope] : appPermissions[scope];
}

const TOKEN_LIFETIME_MS = 60 * 60 * 1000;
const MAX_JWT_LIFETIME_S = 10 * 60;
const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function randomToken(prefix: string): string {
  const bytes = randomBytes(36);
  let out = prefix;
  for (const byte of bytes) out += BASE62[byte % 62];
  return out;
}

function fail(message: string, status: 401 | 403 = 401): AuthFailure {
  return { failure: true, status, message };
}

export function botLogin(slug: string): string {
  return `${slug}[bot]`;
}

export class AuthRegistry {
  private readonly installationTokens = new Map<string, InstallationToken>();
  private readonly userTokens = new Map<string, string>();
  private readonly tokensByUser = new Map<string, string>();
  /** Added to Date.now() so tests can move time forward (token expiry). */
  clockOffsetMs = 0;

  constructor(private readonly state: SimState) {}

  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  issueInstallationToken(installationId: number, scope: { repositories?: readonly string[]; permissions?: Readonly<Record<string, string>> } = {}): { token: string; expiresAt: string } {
    const installation = this.state.installations.get(installationId);
    if (!installation) throw new Error(`No installation ${installationId}`);
    const token = randomToken('ghs_');
    const expiresAt = this.now() + TOKEN_LIFETIME_MS;
    this.installationTokens.set(token, {
      installationId,
      appId: installation.appId,
      expiresAt,
      ...(scope.repositories ? { repositories: scope.repositories.map((r) => r.toLowerCase()) } : {}),
      ...(scope.permissions ? { permissions: scope.permissions } : {}),
    });
    return { token, expiresAt: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  }

  /** Ends every installation token now; the next use gets 401 as after an hour on GitHub. */
  expireInstallationTokens(): void {
    for (const token of this.installationTokens.values()) token.expiresAt = this.now() - 1;
  }

  /** A personal access token acting as `login` (minted once per login). */
  userToken(login: string): string {
    const key = login.toLowerCase();
    let token = this.tokensByUser.get(key);
    if (!token) {
      token = randomToken('ghp_');
      this.tokensByUser.set(key, token);
      this.userTokens.set(token, login);
    }
    return token;
  }

  authenticate(authorization: string | undefined, remoteKey: string): Identity | AuthFailure {
    if (!authorization) return { kind: 'anonymous', rateKey: `ip:${remoteKey}` };
    const match = /^(bearer|token)\s+(\S+)$/i.exec(authorization.trim());
    if (!match) return fail('Bad credentials');
    const credential = match[2]!;
    if (credential.split('.').length === 3) return this.verifyJwt(credential);
    const installation = this.installationTokens.get(credential);
    if (installation) {
      if (installation.expiresAt <= this.now()) return fail('Bad credentials');
      const app = this.state.apps.get(installation.appId)!;
      return {
        kind: 'installation',
        installationId: installation.installationId,
        appId: app.id,
        login: botLogin(app.slug),
        rateKey: `installation:${installation.installationId}`,
        ...(installation.repositories ? { repositories: installation.repositories } : {}),
        ...(installation.permissions ? { permissions: installation.permissions } : {}),
      };
    }
    const user = this.userTokens.get(credential);
    if (user) return { kind: 'user', login: user, rateKey: `user:${user.toLowerCase()}` };
    return fail('Bad credentials');
  }

  private verifyJwt(jwt: string): Identity | AuthFailure {
    const [headerPart, payloadPart, signaturePart] = jwt.split('.') as [string, string, string];
    let header: { alg?: string };
    let claims: { iss?: unknown; iat?: unknown; exp?: unknown };
    try {
      header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8'));
      claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
    } catch {
      return fail('A JSON web token could not be decoded');
    }
    if (header.alg !== 'RS256') return fail('A JSON web token could not be decoded');
    const app = [...this.state.apps.values()].find((candidate) => String(candidate.id) === String(claims.iss) || candidate.clientId === claims.iss);
    if (!app?.publicKeyPem) return fail(`'Issuer' claim ('iss') must be an Integer`);
    const signed = verify('RSA-SHA256', Buffer.from(`${headerPart}.${payloadPart}`), createPublicKey(app.publicKeyPem), Buffer.from(signaturePart, 'base64url'));
    if (!signed) return fail('A JSON web token could not be decoded');
    const nowSeconds = Math.floor(this.now() / 1000);
    if (typeof claims.iat !== 'number' || claims.iat > nowSeconds + 60) {
      return fail(`'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued`);
    }
    if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds) {
      return fail(`'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires`);
    }
    if (claims.exp - claims.iat > MAX_JWT_LIFETIME_S) return fail(`'Expiration time' claim ('exp') is too far in the future`);
    return { kind: 'app', appId: app.id, rateKey: `app:${app.id}` };
  }
}

export function isFailure(value: Identity | AuthFailure): value is AuthFailure {
  return 'failure' in value;
}
