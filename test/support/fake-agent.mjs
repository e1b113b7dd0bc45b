#!/usr/bin/env node
// A scripted stand-in for an AI coding agent, for tests. It runs inside tmux
// panes on runner hosts, so it is plain Node with no dependencies and starts
// fast. It behaves like an interactive agent: a prompt, a busy spinner, a
// permission question, and directives (lines starting with "fake:") that
// write files, commit, push, ask, fail or exit.
//
// Usage: fake-agent.mjs [--prompt-file PATH] [--script PATH] [--resume]
// Env:   FAKE_AGENT_LOG            append one JSON line per message/answer here
//        FAKE_AGENT_BUSY_MS        busy time per message (default 300)
//        FAKE_AGENT_START_DELAY_MS time before the first prompt (default 0)
//        FAKE_AGENT_DROP_FIRST=1   the first message submitted is lost: another
//                                  frame, then the screen is redrawn as it was at
//                                  start (as a TUI still setting up may reset itself)

import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const PROMPT = '❯ ';
const BANNER = `fake-agent ready (pid ${process.pid})\n`;
const QUESTION = 'Allow fake-agent to edit files? [y/n] ';
const ERROR_LINE = 'Error: simulated failure (rate limited)';
const SPINNER = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';

const options = parseArgs(process.argv.slice(2));
const logFile = process.env.FAKE_AGENT_LOG || '';
const busyMs = nonNegative(process.env.FAKE_AGENT_BUSY_MS, 300);
const startDelayMs = nonNegative(process.env.FAKE_AGENT_START_DELAY_MS, 0);
let dropNext = process.env.FAKE_AGENT_DROP_FIRST === '1';
const interactive = Boolean(process.stdin.isTTY);

/** 'starting' | 'busy' | 'idle' (typing a message) | 'asking' (the permission question) */
let mode = 'starting';
let pendingInput = ''; // bytes received but not yet interpreted (held while busy)
let inPaste = false;
let pasted = '';
let line = ''; // the message being typed, or the answer being typed while asking
let interruptBusy = null;
let answerAsk = null;
let stdinEnded = false;

function parseArgs(args) {
  const parsed = { promptFile: '', script: '', resume: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--prompt-file') parsed.promptFile = args[++i] ?? '';
    else if (arg === '--script') parsed.script = args[++i] ?? '';
    else if (arg === '--resume') parsed.resume = true;
    else {
      process.stderr.write(`fake-agent: unknown argument ${arg}\n`);
      process.exit(2);
    }
  }
  return parsed;
}

function nonNegative(value, fallback) {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(n) && n >= 0 ? n : fallback;
}

function write(text) {
  process.stdout.write(text);
}

function record(entry) {
  // One appendFileSync per entry: entries from back-to-back deliveries land whole and in order.
  if (logFile) appendFileSync(logFile, `${JSON.stringify({ at: new Date().toISOString(), ...entry })}\n`);
}

function restoreTerminal() {
  if (!interactive) return;
  try {
    process.stdout.write('\x1b[?2004l');
    process.stdin.setRawMode(false);
  } catch {
    // the terminal may already be gone
  }
}

function exit(code) {
  restoreTerminal();
  process.exit(code);
}

// ---------------------------------------------------------------- busy phase

function spin(label, ms) {
  return new Promise((resolve) => {
    let frame = 0;
    let interrupted = false;
    const draw = () => write(`\r\x1b[2K${SPINNER[frame++ % SPINNER.length]} ${label}... (esc to interrupt)`);
    draw();
    const ticker = setInterval(draw, 80);
    const finish = () => {
      clearInterval(ticker);
      clearTimeout(timer);
      interruptBusy = null;
      write('\r\x1b[2K'); // the spinner line goes away, as in real agents
      resolve(interrupted);
    };
    const timer = setTimeout(finish, ms);
    interruptBusy = () => {
      interrupted = true;
      finish();
    };
  });
}

// ---------------------------------------------------------------- directives

function directivesOf(text) {
  const directives = [];
  for (const raw of text.split('\n')) {
    const match = /^\s*fake:(\w+)(?:[ \t]+(.*))?$/.exec(raw);
    if (match) directives.push({ name: match[1], args: (match[2] ?? '').trim() });
  }
  return directives;
}

function git(args) {
  return execFileSync('git', args, { cwd: process.cwd(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * The token for `fake:pr` when AO_FAKE_GITHUB_TOKEN is not set: what `gh auth
 * token` says (through ao's gh shim where gh is installed), else the
 * credential git would use for the remote (`git credential fill`, which
 * asks ao's credential helper). It is never printed.
 */
function githubToken() {
  if (process.env.AO_FAKE_GITHUB_TOKEN !== undefined) return process.env.AO_FAKE_GITHUB_TOKEN;
  try {
    const token = execFileSync('gh', ['auth', 'token'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    if (token) return token;
  } catch {
    // no gh on this host: ask git
  }
  const url = git(['remote', 'get-url', 'origin']).trim();
  const answer = execFileSync('git', ['credential', 'fill'], { cwd: process.cwd(), input: `url=${url}\n\n`, encoding: 'utf8', env: { ...process.env, GIT_TERMINAL_PROMPT: '0' } });
  const password = /^password=(.*)$/m.exec(answer)?.[1];
  if (!password) throw new Error(`git has no credential for ${url}`);
  return password;
}

function firstErrorLine(error) {
  const text = String(error?.stderr || error?.message || error);
  return text.split('\n').find((l) => l.trim() !== '') ?? text;
}

/** Runs directives in order; returns 'error' when one stops the message early. */
async function runDirectives(directives) {
  for (const { name, args } of directives) {
    switch (name) {
      case 'write': {
        const [, rel = '', text = ''] = /^(\S+)(?:\s+([\s\S]*))?$/.exec(args) ?? [];
        const target = path.resolve(process.cwd(), rel);
        if (!rel || path.isAbsolute(rel) || path.relative(process.cwd(), target).startsWith('..')) {
          write(`fake: write needs a path inside the working directory, got "${rel}"\n`);
          break;
        }
        mkdirSync(path.dirname(target), { recursive: true });
        writeFileSync(target, `${text}\n`);
        write(`wrote ${rel}\n`);
        break;
      }
      case 'commit':
        try {
          git(['add', '-A']);
          git(['commit', '-q', '-m', args || 'fake-agent commit']);
          write(`committed ${git(['rev-parse', '--short', 'HEAD']).trim()} ${args || 'fake-agent commit'}\n`);
        } catch (error) {
          write(`fake: commit failed: ${firstErrorLine(error)}\n`);
        }
        break;
      case 'push':
        // `fake:push` pushes the branch; `fake:push <refspec>` pushes that (e.g. HEAD:main, to see it refused).
        try {
          git(['push', '-q', '-u', 'origin', args || 'HEAD']);
          write(`pushed ${args || git(['rev-parse', '--abbrev-ref', 'HEAD']).trim()}\n`);
        } catch (error) {
          write(`fake: push failed: ${firstErrorLine(error)}\n`);
        }
        break;
      case 'pr': {
        // Opens a pull request for the current branch, as an agent does with `gh pr create`:
        // AO_FAKE_GITHUB_API and AO_FAKE_GITHUB_REPO (owner/name) say where; the token is
        // AO_FAKE_GITHUB_TOKEN, or else found as a real agent finds one (see githubToken).
        try {
          const api = process.env.AO_FAKE_GITHUB_API;
          const repo = process.env.AO_FAKE_GITHUB_REPO;
          if (!api || !repo) throw new Error('AO_FAKE_GITHUB_API and AO_FAKE_GITHUB_REPO are not set');
          const head = git(['rev-parse', '--abbrev-ref', 'HEAD']).trim();
          const response = await fetch(`${api}/repos/${repo}/pulls`, {
            method: 'POST',
            headers: { authorization: `token ${githubToken()}`, 'content-type': 'application/json', accept: 'application/vnd.github+json' },
            body: JSON.stringify({ title: args || `Changes from ${head}`, head, base: process.env.AO_FAKE_GITHUB_BASE ?? 'main', body: 'Opened by the fake agent.' }),
          });
          const pr = await response.json();
          if (!response.ok) throw new Error(pr.message ?? response.statusText);
          write(`opened PR #${pr.number} ${pr.html_url}\n`);
        } catch (error) {
          write(`fake: pr failed: ${firstErrorLine(error)}\n`);
        }
        break;
      }
      case 'ask': {
        const yes = await ask();
        write(`answer: ${yes ? 'yes' : 'no'}\n`);
        break;
      }
      case 'busy':
        if (await spin('Working', nonNegative(args, busyMs))) return 'interrupted';
        break;
      case 'exit': {
        const code = args === '' ? 0 : Number.parseInt(args, 10);
        write(`exiting with status ${Number.isFinite(code) ? code : 1}\n`);
        exit(Number.isFinite(code) ? code : 1);
        break;
      }
      case 'error':
        write(`${ERROR_LINE}\n`);
        return 'error';
      default:
        write(`fake: unknown directive "${name}"\n`);
    }
  }
  return 'done';
}

// ---------------------------------------------------------------- messages

function describeMessage(text) {
  const first = Array.from(text.split('\n')[0] ?? '').slice(0, 60).join('');
  return `received: ${first} (${text.split('\n').length} lines, ${Buffer.byteLength(text, 'utf8')} bytes)`;
}

async function handleMessage(text) {
  mode = 'busy';
  record({ text });
  write(`${describeMessage(text)}\n`);
  const interrupted = await spin('Working', busyMs);
  const outcome = interrupted ? 'interrupted' : await runDirectives(directivesOf(text));
  if (outcome === 'done') write('done.\n');
  if (outcome === 'interrupted') write('interrupted.\n');
  showPrompt();
}

function showPrompt() {
  mode = 'idle';
  line = '';
  write(PROMPT);
  interpretInput();
  // Piped input (not a terminal): quit once everything it said has been handled.
  if (stdinEnded && mode === 'idle') exit(0);
}

function submit() {
  const text = line;
  line = '';
  write('\n');
  if (text.trim() === '') {
    write(PROMPT);
    return;
  }
  if (dropNext) {
    // Another frame first (the screen changes after the Enter, as if taken), then the reset.
    dropNext = false;
    mode = 'busy';
    record({ dropped: text });
    write('(setting up)');
    setTimeout(() => {
      write(`\x1b[2J\x1b[H${BANNER}`);
      showPrompt();
    }, 300);
    return;
  }
  void handleMessage(text);
}

// ---------------------------------------------------------------- the question

function ask() {
  mode = 'asking';
  line = '';
  write(QUESTION);
  return new Promise((resolve) => {
    answerAsk = (yes, input) => {
      answerAsk = null;
      mode = 'busy';
      line = '';
      record({ answer: yes ? 'yes' : 'no', input });
      write('\n');
      resolve(yes);
    };
    interpretInput();
  });
}

function answerFromLine() {
  const word = line.trim().toLowerCase();
  if (word === 'y' || word === 'yes') answerAsk(true, line);
  else if (word === 'n' || word === 'no') answerAsk(false, line);
  else {
    // Anything else is not an answer: say so and ask again.
    line = '';
    write(`\nplease answer y or n\n${QUESTION}`);
  }
}

// ---------------------------------------------------------------- input

function removeLastChar() {
  const chars = Array.from(line);
  const removed = chars.pop();
  line = chars.join('');
  if (removed !== undefined && removed !== '\n') write('\b \b');
}

function onKey(key) {
  if (key === '\x03') exit(130);
  if (mode === 'asking') {
    if (line === '' && /^[yn]$/i.test(key)) return answerAsk(key.toLowerCase() === 'y', key);
    if (key === '\r' || key === '\n') return answerFromLine();
  } else {
    // Enter arrives as CR in raw mode, but as LF when typed before raw mode was set (the tty maps it).
    if (key === '\r' || key === '\n') return submit();
    if (key === '\x04' && line === '') exit(0);
  }
  if (key === '\x7f' || key === '\b') return removeLastChar();
  if (key === '\x15') {
    line = '';
    write(`\r\x1b[2K${mode === 'asking' ? QUESTION : PROMPT}`);
    return;
  }
  if (key === '\t' || key >= ' ') {
    line += key;
    write(key);
  }
}

function onPaste(text) {
  // tmux turns LF into CR when pasting unless told otherwise; a paste is text, so both mean a new line.
  const normalized = text.replace(/\r\n?/g, '\n');
  line += normalized;
  write(normalized);
  if (mode === 'asking') record({ pasteWhileAsking: normalized });
}

/** Interprets held input while the agent takes input (typing or answering). */
function interpretInput() {
  while (pendingInput !== '' && (mode === 'idle' || mode === 'asking')) {
    if (inPaste) {
      const end = pendingInput.indexOf(PASTE_END);
      if (end === -1) {
        // Keep what may be the start of the end marker for the next chunk.
        let keep = Math.min(PASTE_END.length - 1, pendingInput.length);
        while (keep > 0 && !PASTE_END.startsWith(pendingInput.slice(-keep))) keep--;
        pasted += pendingInput.slice(0, pendingInput.length - keep);
        pendingInput = pendingInput.slice(pendingInput.length - keep);
        return;
      }
      pasted += pendingInput.slice(0, end);
      pendingInput = pendingInput.slice(end + PASTE_END.length);
      inPaste = false;
      onPaste(pasted);
      pasted = '';
      continue;
    }
    if (pendingInput.startsWith('\x1b')) {
      if (pendingInput.startsWith(PASTE_START)) {
        inPaste = true;
        pendingInput = pendingInput.slice(PASTE_START.length);
        continue;
      }
      if (PASTE_START.startsWith(pendingInput) || /^\x1b\[[0-?]*[ -/]*$/.test(pendingInput)) return; // incomplete sequence
      // Other keys (arrows, function keys, a lone Esc) are not used here.
      const sequence = /^\x1b(?:\[[0-?]*[ -/]*[@-~]|O.|[\s\S])/.exec(pendingInput);
      pendingInput = pendingInput.slice(sequence ? sequence[0].length : 1);
      continue;
    }
    const key = String.fromCodePoint(pendingInput.codePointAt(0));
    pendingInput = pendingInput.slice(key.length);
    onKey(key);
  }
}

function onInput(chunk) {
  if (mode === 'busy' || mode === 'starting') {
    // While working, a lone Esc interrupts and Ctrl-C quits; everything else waits for the prompt.
    if (chunk === '\x1b' && interruptBusy) return interruptBusy();
    if (!inPaste && chunk.includes('\x03')) exit(130);
  }
  pendingInput += chunk;
  interpretInput();
}

// ---------------------------------------------------------------- start

async function main() {
  if (interactive) {
    process.stdin.setRawMode(true);
    write('\x1b[?2004h');
  }
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', onInput);
  process.stdin.on('end', () => {
    stdinEnded = true;
    if (mode === 'idle') {
      interpretInput();
      if (mode === 'idle') exit(0);
    }
  });
  process.on('exit', restoreTerminal);

  if (startDelayMs > 0) await spin('Starting', startDelayMs);
  write(BANNER);
  if (options.resume) write('resumed previous conversation\n');
  if (options.script) {
    mode = 'busy';
    const outcome = await runDirectives(directivesOf(readFileSync(options.script, 'utf8')));
    if (outcome === 'error') return showPrompt();
  }
  if (options.promptFile) {
    // A file's final newline ends the file, not the message.
    return handleMessage(readFileSync(options.promptFile, 'utf8').replace(/\r?\n$/, ''));
  }
  showPrompt();
}

main().catch((error) => {
  process.stderr.write(`fake-agent: ${error?.stack || error}\n`);
  exit(1);
});
