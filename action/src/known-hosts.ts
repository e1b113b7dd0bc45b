import { createHmac } from 'node:crypto';
import { pinnedFingerprints } from '../../src/core/host-key.js';
import { InputError } from './inputs.js';

/**
 * The `known-hosts` input: OpenSSH known_hosts lines that pin the keys of
 * the configuration's SSH hosts. A host whose `hostKey` is not in the
 * configuration is pinned to the keys listed here for its address
 * (`address`, or `[address]:port` off port 22; plain, wildcard, negated and
 * hashed `|1|` names, as ssh reads them). A host with a `hostKey` keeps it,
 * and the input must not contradict it. A host that neither names stays
 * unpinned, and ao refuses it: nothing is trusted on first use.
 */

export interface KnownHostLine {
  /** 1-based line number in the input, for messages. */
  line: number;
  patterns: string[];
  /** "type base64" */
  key: string;
  fingerprint: string;
}

export function parseKnownHosts(text: string): KnownHostLine[] {
  const entries: KnownHostLine[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `known-hosts line ${i + 1}`;
    if (line.startsWith('@')) {
      throw new InputError(`${where} is a ${line.split(/\s/)[0]} marker line; only plain host keys can be pinned`, 'list each host with its own key: "host ssh-ed25519 AAAA..." (`ssh-keyscan -t ed25519 HOST` prints it; check it on the host)');
    }
    const fields = line.split(/\s+/);
    const [hosts, type, blob] = fields;
    if (!hosts || !type || !blob || !/^(ssh-|ecdsa-|sk-)/.test(type) || !/^[A-Za-z0-9+/]+=*$/.test(blob)) {
      throw new InputError(`${where} is not a known_hosts line (expected "host key-type base64-key")`, 'use the lines of a known_hosts file, e.g. "[10.0.0.5]:2222 ssh-ed25519 AAAA..."');
    }
    const key = `${type} ${blob}`;
    entries.push({ line: i + 1, patterns: hosts.split(','), key, fingerprint: pinnedFingerprints(key)[0]! });
  });
  return entries;
}

/** The name ssh looks up for a host: `address`, or `[address]:port` off port 22. */
export function knownHostsName(address: string, port: number): string {
  return port === 22 ? address : `[${address}]:${port}`;
}

function patternMatches(pattern: string, name: string): boolean {
  if (pattern.startsWith('|1|')) {
    const [, , salt, hash] = pattern.split('|');
    if (!salt || !hash) return false;
    return createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64') === hash;
  }
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return regex.test(name);
}

/** Whether a line's host field names this host (a negated pattern that matches rules the line out). */
export function lineMatches(entry: KnownHostLine, address: string, port: number): boolean {
  const name = knownHostsName(address, port);
  let matched = false;
  for (const pattern of entry.patterns) {
    const negated = pattern.startsWith('!');
    if (!patternMatches(negated ? pattern.slice(1) : pattern, name)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

interface RawHost {
  name?: unknown;
  local?: unknown;
  address?: unknown;
  port?: unknown;
  hostKey?: unknown;
}

/**
 * Pin the configuration's SSH hosts from known_hosts lines: returns the
 * hosts with `hostKey` filled in where the configuration has none, and the
 * names of the hosts pinned that way. Throws when the input contradicts a
 * pin of the configuration.
 */
export function pinHosts(hosts: unknown, entries: KnownHostLine[]): { hosts: unknown; pinned: string[] } {
  if (!Array.isArray(hosts)) return { hosts, pinned: [] };
  const pinned: string[] = [];
  const out = hosts.map((h: unknown) => {
    const host = h as RawHost;
    if (!host || typeof host !== 'object' || host.local === true || typeof host.address !== 'string') return h;
    const port = typeof host.port === 'number' ? host.port : 22;
    const matching = entries.filter((e) => lineMatches(e, host.address as string, port));
    if (matching.length === 0) return h;
    const name = typeof host.name === 'string' ? host.name : host.address;
    if (typeof host.hostKey === 'string' && host.hostKey.trim() !== '') {
      let configured: string[];
      try {
        configured = pinnedFingerprints(host.hostKey);
      } catch {
        return h; // ao names the unreadable pin itself.
      }
      if (!matching.some((e) => configured.includes(e.fingerprint))) {
        throw new InputError(
          `host "${name}": the configuration pins ${configured.join(', ')}, but known-hosts lists ${matching.map((e) => `${e.fingerprint} (line ${e.line})`).join(', ')} for ${knownHostsName(host.address, port)}`,
          'keep one source of truth: remove hostKey from the configuration, or the host from known-hosts; check the key on the host with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`',
        );
      }
      return h;
    }
    pinned.push(name);
    return { ...host, hostKey: matching.map((e) => e.key).join('\n') };
  });
  return { hosts: out, pinned };
}
