import { describe, expect, it } from 'vitest';
import { questionText } from '../../src/sessions/view.js';

/** The question a human is shown (status comment, ao status): the pane's last content lines, never a secret on them. */
describe('questionText', () => {
  it('keeps the dialog and its choices, drops borders and blank lines, and redacts tokens and keys on the pane', () => {
    const token = `ghs_${'A1b2C3d4'.repeat(5)}`;
    const pane = [
      'earlier output that scrolled away',
      ...Array.from({ length: 20 }, (_, i) => `line ${i}`),
      '╭──────────────────────────────────────╮',
      `│ Bash command: curl -H "Authorization: token ${token}" https://api.github.com │`,
      '│ export OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwx │',
      '│ Do you want to proceed?               │',
      '│ ❯ 1. Yes                              │',
      '│   2. No                               │',
      '╰──────────────────────────────────────╯',
      '',
      '',
    ];
    const question = questionText(pane);
    expect(question).toContain('Do you want to proceed?');
    expect(question).toContain('2. No');
    expect(question).not.toContain(token);
    expect(question).not.toContain('sk-proj-abcdefghijklmnopqrstuvwx');
    expect(question).toContain('[redacted]');
    expect(question).not.toContain('earlier output that scrolled away');
    expect(question.split('\n').length).toBeLessThanOrEqual(12);
  });
});
