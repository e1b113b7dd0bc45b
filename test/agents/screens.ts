/**
 * Hand-written pane captures in the style of each agent's terminal UI, as
 * `tmux capture-pane -p -J` returns them (no escapes, trailing blank lines
 * removed). Each names the state an adapter must read from it.
 */
import type { PaneState } from '../../src/agents/adapter.js';

export interface Screen {
  name: string;
  expected: PaneState;
  text: string;
}

const screen = (name: string, expected: PaneState, text: string): Screen => ({ name, expected, text });

export const claudeCodeScreens: Screen[] = [
  screen(
    'welcome box, empty input box',
    'ready',
    `
╭───────────────────────────────────────────────────╮
│ ✻ Welcome to Claude Code!                         │
│                                                   │
│   /help for help, /status for your current setup  │
│                                                   │
│   cwd: /home/ao/.agent-orchestrator/app/wt/app-1  │
╰───────────────────────────────────────────────────╯

╭────────────────────────────────────────────────────────────────────────────╮
│ >                                                                          │
╰────────────────────────────────────────────────────────────────────────────╯
  ? for shortcuts`,
  ),
  screen(
    'thinking, spinner above the input box',
    'busy',
    `
> Fix the failing login test (issue #42)

⏺ I'll start by looking at the test.

⏺ Read(test/login.test.ts)
  ⎿  Read 88 lines (ctrl+r to expand)

✶ Sketching… (14s · ↓ 1.2k tokens · esc to interrupt)

╭────────────────────────────────────────────────────────────────────────────╮
│ >                                                                          │
╰────────────────────────────────────────────────────────────────────────────╯
  ⏵⏵ accept edits on (shift+tab to cycle)`,
  ),
  screen(
    'running a command, tip under the spinner, newer rule-style input',
    'busy',
    `
⏺ Bash(npm test)
  ⎿  Running…

✽ Testing… (1m 3s · ↑ 512 tokens)
  ⎿  Tip: Use /memory to view and manage Claude memory

────────────────────────────────────────────────────────────────────────────────
>
────────────────────────────────────────────────────────────────────────────────
  ? for shortcuts`,
  ),
  screen(
    'finished a turn (summary glyph line is not a spinner)',
    'ready',
    `
⏺ Update(src/login.ts)
  ⎿  Updated src/login.ts with 2 additions and 1 removal

⏺ The test passes now. I committed the fix on ao/app-1-issue-42-fix-login.

✻ Worked for 1m 12s

╭────────────────────────────────────────────────────────────────────────────╮
│ >                                                                          │
╰────────────────────────────────────────────────────────────────────────────╯
  ? for shortcuts`,
  ),
  screen(
    'bash permission dialog',
    'waiting_input',
    `
⏺ I'll run the test suite to confirm.

╭──────────────────────────────────────────────────────────────────────────────╮
│ Bash command                                                                 │
│                                                                              │
│   npm test -- --run test/login.test.ts                                       │
│   Run the login tests                                                        │
│                                                                              │
│ Do you want to proceed?                                                      │
│ ❯ 1. Yes                                                                     │
│   2. Yes, and don't ask again for npm test commands in /home/ao/wt/app-1     │
│   3. No, and tell Claude what to do differently (esc)                        │
╰──────────────────────────────────────────────────────────────────────────────╯`,
  ),
  screen(
    'edit permission dialog with a diff',
    'waiting_input',
    `
╭──────────────────────────────────────────────────────────────────────────────╮
│ Edit file                                                                    │
│ ╭──────────────────────────────────────────────────────────────────────────╮ │
│ │ src/login.ts                                                             │ │
│ │                                                                          │ │
│ │ 12    if (!user) {                                                       │ │
│ │ 13 -    return null;                                                     │ │
│ │ 13 +    throw new LoginError('unknown user');                            │ │
│ │ 14    }                                                                  │ │
│ ╰──────────────────────────────────────────────────────────────────────────╯ │
│ Do you want to make this edit to login.ts?                                   │
│ ❯ 1. Yes                                                                     │
│   2. Yes, allow all edits during this session (shift+tab)                    │
│   3. No, and tell Claude what to do differently (esc)                        │
╰──────────────────────────────────────────────────────────────────────────────╯`,
  ),
  screen(
    'folder trust question at start-up',
    'waiting_input',
    `
╭──────────────────────────────────────────────────────────────────────────────╮
│ Do you trust the files in this folder?                                       │
│                                                                              │
│ /home/ao/.agent-orchestrator/app/worktrees/app-1                             │
│                                                                              │
│ Claude Code may read files in this folder. Reading untrusted files may lead  │
│ Claude Code to behave in unexpected ways.                                    │
│                                                                              │
│ ❯ 1. Yes, proceed                                                            │
│   2. No, exit                                                                │
│                                                                              │
│ Enter to confirm · Esc to exit                                               │
╰──────────────────────────────────────────────────────────────────────────────╯`,
  ),
  screen(
    'rate limited, back at the prompt',
    'error',
    `
⏺ I'll look at the failing test.
  ⎿  API Error: 429 {"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed the rate limit for your organization of 40,000 input tokens per minute."}}

╭────────────────────────────────────────────────────────────────────────────╮
│ >                                                                          │
╰────────────────────────────────────────────────────────────────────────────╯
  ? for shortcuts`,
  ),
  screen(
    'usage limit',
    'error',
    `
⏺ Claude usage limit reached. Your limit will reset at 5pm (Europe/Berlin).

  /upgrade to increase your usage limit.

╭────────────────────────────────────────────────────────────────────────────╮
│ >                                                                          │
╰────────────────────────────────────────────────────────────────────────────╯`,
  ),
  screen(
    'logged out',
    'error',
    `
  ⎿  Invalid API key · Please run /login

────────────────────────────────────────────────────────────────────────────────
>
────────────────────────────────────────────────────────────────────────────────`,
  ),
  screen(
    'retrying after an API error is still work',
    'busy',
    `
  ⎿  API Error (529 {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}) · Retrying in 5 seconds… (attempt 2/10)

✢ Pondering… (32s · esc to interrupt)

╭────────────────────────────────────────────────────────────────────────────╮
│ >                                                                          │
╰────────────────────────────────────────────────────────────────────────────╯`,
  ),
  screen(
    'an old permission dialog and an old error far up in scrollback do not count',
    'ready',
    `
│ Do you want to proceed?                                                      │
│ ❯ 1. Yes                                                                     │
  ⎿  API Error: 500 {"type":"error","error":{"type":"api_error"}}

> go on please

⏺ Bash(npm test)
  ⎿  Tests: 12 passed, 12 total

⏺ Update(src/login.ts)
  ⎿  Updated src/login.ts with 1 addition

⏺ Done: all tests pass and the branch is pushed.

╭────────────────────────────────────────────────────────────────────────────╮
│ > also update the README                                                   │
╰────────────────────────────────────────────────────────────────────────────╯
  ? for shortcuts`,
  ),
];

export const codexScreens: Screen[] = [
  screen(
    'start-up, empty composer',
    'ready',
    `
╭──────────────────────────────────────────────╮
│ >_ OpenAI Codex (v0.58.0)                    │
│                                              │
│ model:     gpt-5-codex   /model to change    │
│ directory: ~/.agent-orchestrator/app/wt/app-2 │
╰──────────────────────────────────────────────╯

  To get started, describe a task or try one of these commands:

  /init - create an AGENTS.md file with instructions for Codex
  /status - show current session configuration

› Explain this codebase

  100% context left · ? for shortcuts`,
  ),
  screen(
    'working',
    'busy',
    `
› Fix the flaky retry test

• Explored
  └ Read retry.ts, retry.test.ts

• Working (18s • esc to interrupt)

› Summarize recent commits

  96% context left · ? for shortcuts`,
  ),
  screen(
    'older UI: composer bar and key hints',
    'ready',
    `
codex
The retry test is fixed; the timer is now faked.

▌ Ask Codex to do anything
 ⏎ send   ⇧⏎ newline   ⌃T transcript   ⌃C quit`,
  ),
  screen(
    'command approval',
    'waiting_input',
    `
• I'll run the tests to check the fix.

  Would you like to run the following command?

  Reason: run the unit tests

  $ npm test -- retry

› 1. Yes, proceed (y)
  2. Yes, and don't ask again for this command (a)
  3. No, and tell Codex what to do differently (esc)

  Press enter to confirm or esc to cancel`,
  ),
  screen(
    'trust question at start-up',
    'waiting_input',
    `
  You are running Codex in /home/ao/.agent-orchestrator/app/worktrees/app-2

  Since this folder is version controlled, you may wish to allow Codex to work in this folder without asking for approval.

› 1. Yes, allow Codex to work in this folder without asking for approval
  2. No, ask me to approve edits and commands

  Press enter to continue`,
  ),
  screen(
    'usage limit',
    'error',
    `
• Ran npm test
  └ 3 failed, 41 passed

■ You've hit your usage limit. Upgrade to Pro or try again in 2 hours 10 minutes.

› Summarize recent commits

  71% context left · ? for shortcuts`,
  ),
  screen(
    'stream error after retries',
    'error',
    `
■ stream error: exceeded retry limit, last status: 429 Too Many Requests; retrying 5/5 in 3.2s…

› Write tests for @filename

  88% context left · ? for shortcuts`,
  ),
  screen(
    'interrupted by the user is not an error',
    'ready',
    `
■ Conversation interrupted - tell the model what to do differently

› Improve documentation in @filename

  90% context left · ? for shortcuts`,
  ),
];

export const aiderScreens: Screen[] = [
  screen(
    'start-up banner and prompt',
    'ready',
    `
Aider v0.86.1
Main model: anthropic/claude-sonnet-4-20250514 with diff edit format, infinite output
Weak model: anthropic/claude-3-5-haiku-20241022
Git repo: .git with 42 files
Repo-map: using 4096 tokens, auto refresh
────────────────────────────────────────────────────────────────────────────────
>`,
  ),
  screen(
    'architect mode prompt with a half-typed message',
    'ready',
    `
Tokens: 4.2k sent, 312 received. Cost: $0.02 message, $0.05 session.
────────────────────────────────────────────────────────────────────────────────
src/login.py
architect> also handle the empty password case`,
  ),
  screen(
    'waiting for the model',
    'busy',
    `
────────────────────────────────────────────────────────────────────────────────
> Fix the failing login test

░█        Waiting for anthropic/claude-sonnet-4-20250514`,
  ),
  screen(
    'asks to add a file',
    'waiting_input',
    `
I need to see the test to fix it.

test/test_login.py
Add file to the chat? (Y)es/(N)o/(A)ll/(S)kip all/(D)on't ask again [Yes]:`,
  ),
  screen(
    'asks to run a shell command',
    'waiting_input',
    `
pytest -q test/test_login.py
Run shell command? (Y)es/(N)o/(D)on't ask again [Yes]:`,
  ),
  screen(
    'an answered question above fresh output does not count',
    'ready',
    `
Run shell command? (Y)es/(N)o/(D)on't ask again [Yes]: y
Running pytest -q test/test_login.py
3 passed in 0.12s
Add command output to the chat? (Y)es/(N)o/(D)on't ask again [Yes]: n
────────────────────────────────────────────────────────────────────────────────
>`,
  ),
  screen(
    'rate limited, back at the prompt',
    'error',
    `
litellm.RateLimitError: AnthropicException - {"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}
The API provider has rate limited you. Try again later or check your quotas.
────────────────────────────────────────────────────────────────────────────────
>`,
  ),
  screen(
    'retrying is still work',
    'busy',
    `
litellm.RateLimitError: AnthropicException - rate_limit_error
The API provider has rate limited you. Try again later or check your quotas.
Retrying in 0.5 seconds...`,
  ),
  screen(
    'streaming an answer: nothing to recognise',
    'unknown',
    `
> Fix the failing login test

The test fails because \`login()\` returns None for an unknown user while the
test expects a LoginError. I'll change the function:

src/login.py`,
  ),
];

export const opencodeScreens: Screen[] = [
  screen(
    'home screen',
    'ready',
    `
                                  opencode
                                   v1.0.62

┃
┃  Fix the failing login test
┃
┃  Build  Claude Sonnet 4.5 Anthropic
╹▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀
                                            tab agents  ctrl+p commands`,
  ),
  screen(
    'working',
    'busy',
    `
  Fix the failing login test

  ┃ Read src/login.ts
  ┃ Edit src/login.ts

┃
┃
┃  Build  Claude Sonnet 4.5 Anthropic
╹▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀
  ⬝⬝⬝■■■⬝⬝  esc interrupt                   tab agents  ctrl+p commands`,
  ),
  screen(
    'permission request',
    'waiting_input',
    `
  ┃ Bash npm test

  △ Permission required
  ← Run command: npm test

   Allow once   Allow always   Reject                  ⇆ select  enter confirm`,
  ),
  screen(
    'provider error in the session',
    'error',
    `
  Fix the failing login test

  AI_APICallError: Rate limit reached for requests. Please try again in 20s.

┃
┃  Build  Claude Sonnet 4.5 Anthropic
╹▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀
                                            tab agents  ctrl+p commands`,
  ),
  screen(
    'older UI: key hints under the editor',
    'ready',
    `
┃ > Fix the failing login test
┃
 enter send                                 Claude Sonnet 4 (anthropic)`,
  ),
];

export const geminiScreens: Screen[] = [
  screen(
    'start-up, empty input box',
    'ready',
    `
Tips for getting started:
1. Ask questions, edit files, or run commands.
2. Be specific for the best results.

╭──────────────────────────────────────────────────────────────────────────────╮
│ >   Type your message or @path/to/file                                       │
╰──────────────────────────────────────────────────────────────────────────────╯
~/.agent-orchestrator/app/wt/app-5 (ao/app-5)   no sandbox   gemini-2.5-pro (100% context left)`,
  ),
  screen(
    'thinking',
    'busy',
    `
> Fix the failing login test

⠏ Counting electrons... (esc to cancel, 8s)

Using: 1 GEMINI.md file
╭──────────────────────────────────────────────────────────────────────────────╮
│ >   Type your message or @path/to/file                                       │
╰──────────────────────────────────────────────────────────────────────────────╯
~/.agent-orchestrator/app/wt/app-5 (ao/app-5*)   no sandbox   gemini-2.5-pro (97% context left)`,
  ),
  screen(
    'shell command confirmation',
    'waiting_input',
    `
╭──────────────────────────────────────────────────────────────────────────────╮
│ ?  Shell npm test (Run the unit tests)                                       │
│                                                                              │
│   npm test                                                                   │
│                                                                              │
│ Allow execution of: 'npm'?                                                   │
│                                                                              │
│ ● 1. Yes, allow once                                                         │
│   2. Yes, allow always ...                                                   │
│   3. No, suggest changes (esc)                                               │
╰──────────────────────────────────────────────────────────────────────────────╯
⠏ Waiting for user confirmation...`,
  ),
  screen(
    'edit confirmation',
    'waiting_input',
    `
│ ?  Edit src/login.ts: return null; => throw new LoginError(...)              │
│                                                                              │
│ 13 -    return null;                                                         │
│ 13 +    throw new LoginError('unknown user');                                │
│                                                                              │
│ Apply this change?                                                           │
│                                                                              │
│ ● 1. Yes, allow once                                                         │
│   2. Yes, allow always                                                       │
│   3. Modify with external editor                                             │
│   4. No, suggest changes (esc)                                               │
╰──────────────────────────────────────────────────────────────────────────────╯`,
  ),
  screen(
    'quota exhausted',
    'error',
    `
✕ [API Error: You have exhausted your daily quota on this model.] (status: RESOURCE_EXHAUSTED)

╭──────────────────────────────────────────────────────────────────────────────╮
│ >   Type your message or @path/to/file                                       │
╰──────────────────────────────────────────────────────────────────────────────╯
~/.agent-orchestrator/app/wt/app-5 (ao/app-5*)   no sandbox   gemini-2.5-pro (95% context left)`,
  ),
];

export const genericScreens: Screen[] = [
  screen('a [y/n] question', 'waiting_input', 'Deleting build/ (3 files)\nProceed with deletion? [y/n]'),
  screen('a (y/n) question', 'waiting_input', 'Overwrite config.json (y/n)'),
  screen('a (Y/n) question with a colon', 'waiting_input', 'Install missing dependencies? (Y/n):'),
  screen('a [Y/n] question', 'waiting_input', 'Do it now [Y/n]'),
  screen('a (y/N) question', 'waiting_input', 'Really discard the changes? (y/N)'),
  screen('a yes/no question', 'waiting_input', 'Are we good to go? yes/no'),
  screen('an "Allow ...?" question', 'waiting_input', 'Allow network access to registry.npmjs.org?'),
  screen('a "Do you want to ...?" question', 'waiting_input', 'Do you want to apply these 3 changes?'),
  screen('"Continue?"', 'waiting_input', '2 tests failed.\nContinue?'),
  screen('press Enter to continue', 'waiting_input', 'Report written to out.txt\nPress Enter to continue...'),
  screen('a braille spinner with an ellipsis', 'busy', 'compiling 12 crates\n⠹ Building...'),
  screen('an "esc to interrupt" hint', 'busy', 'thinking hard (esc to interrupt)'),
  screen('a bare prompt glyph', 'ready', 'Done.\n❯'),
  screen('a bare ">" prompt', 'ready', 'ok\n>'),
  screen('an answered question above later output', 'unknown', 'Proceed? [y/n] y\nDeleting build/\ndone'),
  screen('a question mark in ordinary output', 'unknown', 'What changed?\nsrc/app.ts | 2 +-'),
  screen('y/n in the middle of a line', 'unknown', 'answer with [y/n] when asked'),
  screen('a shell prompt is not the agent prompt', 'unknown', 'agent exited\n$'),
  screen('nothing at all', 'unknown', ''),
];

/** The screen as pane lines, trailing blank lines removed (what the runtime hands to classify). */
export function paneLines(text: string): string[] {
  const lines = text.split('\n');
  while (lines.length > 0 && lines[0]!.trim() === '') lines.shift();
  while (lines.length > 0 && lines.at(-1)!.trim() === '') lines.pop();
  return lines;
}
