import { describe, expect, it } from 'vitest';
import { closingIssues } from '../../src/core/pr-link.js';

describe('closingIssues', () => {
  it.each([
    ['nothing', null, []],
    ['a plain mention is not a closing keyword', 'See #12 for context', []],
    ['Fixes #12', 'Fixes #12', [12]],
    ['every keyword, any case, a colon', 'close #1, Closes #2, closed #3, FIX #4, fixes: #5, fixed #6, resolve #7, Resolves #8, resolved #9', [1, 2, 3, 4, 5, 6, 7, 8, 9]],
    ['the same repo by name', 'fixes acme/web#14', [14]],
    ['another repo is not this one', 'fixes other/thing#14', []],
    ['once each', 'fixes #3 and closes #3', [3]],
    ['not inside code', '`fixes #5`\n```\ncloses #6\n```\nresolves #7', [7]],
    ['not inside a quote or a hidden comment', '> fixes #8\n<!-- closes #9 -->\nfix #10', [10]],
    ['a word that only contains a keyword', 'prefixes #4 suffixed #5', []],
  ])('%s', (_, body, expected) => {
    expect(closingIssues(body, 'acme/web')).toEqual(expected);
  });
});
