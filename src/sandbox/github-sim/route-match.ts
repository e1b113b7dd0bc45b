// Matching request paths against GitHub's path templates
// (`/repos/{owner}/{repo}/issues/{issue_number}`). Shared by the simulator's
// router and by the conformance checker, so both agree on what a route is.

export interface CompiledTemplate<T> {
  readonly template: string;
  readonly paramNames: readonly string[];
  readonly value: T;
  /** Each segment is a literal string or null for a `{param}`. */
  readonly segments: readonly (string | null)[];
  /** Fallback that lets a parameter span slashes (`contents/a/b.yml`, `git/ref/heads/x`). */
  readonly greedy: RegExp;
}

export interface TemplateMatch<T> {
  readonly template: string;
  readonly params: Record<string, string>;
  readonly value: T;
}

const PARAM = /^\{([^}]+)\}$/;

// Parameters GitHub accepts with raw slashes in them.
const SLASHY_PARAMS = new Set(['path', 'ref', 'branch', 'basehead', 'name']);

export function compileTemplate<T>(template: string, value: T): CompiledTemplate<T> {
  const parts = template.split('/').slice(1);
  const paramNames: string[] = [];
  const segments = parts.map((part) => {
    const param = PARAM.exec(part);
    if (!param) return part;
    paramNames.push(param[1]!);
    return null;
  });
  const greedySource = parts
    .map((part) => {
      const param = PARAM.exec(part);
      if (!param) return escapeRegExp(part);
      return SLASHY_PARAMS.has(param[1]!) ? '(.+?)' : '([^/]+)';
    })
    .join('/');
  return { template, paramNames, value, segments, greedy: new RegExp(`^/${greedySource}$`) };
}

/** A set of templates; `match` prefers the template with literals earliest (as GitHub's router does). */
export class TemplateTable<T> {
  private readonly bySegmentCount = new Map<number, CompiledTemplate<T>[]>();
  private readonly all: CompiledTemplate<T>[] = [];

  add(template: string, value: T): void {
    const compiled = compileTemplate(template, value);
    this.all.push(compiled);
    const list = this.bySegmentCount.get(compiled.segments.length) ?? [];
    list.push(compiled);
    this.bySegmentCount.set(compiled.segments.length, list);
  }

  get size(): number {
    return this.all.length;
  }

  templates(): string[] {
    return this.all.map((entry) => entry.template);
  }

  match(rawPath: string): TemplateMatch<T>[] {
    const path = stripQuery(rawPath).replace(/\/+$/, '') || '/';
    const rawSegments = path.split('/').slice(1);
    const exact: { entry: CompiledTemplate<T>; params: Record<string, string>; score: string }[] = [];
    for (const entry of this.bySegmentCount.get(rawSegments.length) ?? []) {
      const params: Record<string, string> = {};
      let score = '';
      let ok = true;
      let paramIndex = 0;
      for (let i = 0; i < entry.segments.length; i++) {
        const literal = entry.segments[i];
        const actual = rawSegments[i]!;
        if (literal === null) {
          if (actual === '') {
            ok = false;
            break;
          }
          params[entry.paramNames[paramIndex++]!] = safeDecode(actual);
          score += '1';
        } else if (literal === actual) {
          score += '0';
        } else {
          ok = false;
          break;
        }
      }
      if (ok) exact.push({ entry, params, score });
    }
    if (exact.length > 0) {
      exact.sort((a, b) => (a.score < b.score ? -1 : a.score > b.score ? 1 : 0));
      return exact.map(({ entry, params }) => ({ template: entry.template, params, value: entry.value }));
    }
    const loose: TemplateMatch<T>[] = [];
    for (const entry of this.all) {
      const found = entry.greedy.exec(path);
      if (!found) continue;
      const params: Record<string, string> = {};
      entry.paramNames.forEach((name, i) => {
        params[name] = safeDecode(found[i + 1]!);
      });
      loose.push({ template: entry.template, params, value: entry.value });
    }
    // More literal text means a more specific template.
    loose.sort((a, b) => literalLength(b.template) - literalLength(a.template));
    return loose;
  }
}

function literalLength(template: string): number {
  return template.replace(/\{[^}]+\}/g, '').length;
}

function stripQuery(path: string): string {
  const q = path.indexOf('?');
  return q === -1 ? path : path.slice(0, q);
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
