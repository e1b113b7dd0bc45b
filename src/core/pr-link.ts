/**
 * Which issues a pull request's description says it closes (GitHub's
 * closing keywords: close, closes, closed, fix, fixes, fixed, resolve,
 * resolves, resolved, then `#N` or `owner/repo#N` of the same repo). Pure;
 * `/ao claim` uses it to find the issue's session when none is named.
 */
const KEYWORD = /\b(?:close[sd]?|fix(?:e[sd])?|resolve[sd]?)\s*:?\s+(?:([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+))?#(\d+)\b/gi;

export function closingIssues(body: string | null | undefined, repo: string): number[] {
  if (!body) return [];
  // Code and quotes are not what the author says the PR does.
  const text = body
    .replace(/```[\s\S]*?(```|$)/g, '')
    .replace(/`[^`\n]*`/g, '')
    .replace(/<!--[\s\S]*?(-->|$)/g, '')
    .split('\n')
    .filter((line) => !/^\s*>/.test(line))
    .join('\n');
  const found: number[] = [];
  for (const m of text.matchAll(KEYWORD)) {
    if (m[1] && m[1].toLowerCase() !== repo.toLowerCase()) continue;
    const n = Number(m[2]);
    if (n > 0 && !found.includes(n)) found.push(n);
  }
  return found;
}
