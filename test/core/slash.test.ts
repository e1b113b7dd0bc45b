import { describe, expect, it } from 'vitest';
import { closest, parseSlashComment, splitWords } from '../../src/core/slash.js';

const TEXT_VERBS = new Set(['send', 'spawn', 'answer']);
const parse = (body: string) => parseSlashComment(body, { takesText: (v) => TEXT_VERBS.has(v) });
const summary = (body: string) =>
  parse(body).invocations.map((i) => ({ verb: i.verb, words: i.words.map((w) => w.value), line: i.line, body: i.body, at: i.lineNumber }));

describe('splitWords', () => {
  it.each([
    ['plain words', 'a b  c', ['a', 'b', 'c']],
    ['double quotes keep blanks', '--agent "claude code" x', ['--agent', 'claude code', 'x']],
    ['single quotes are literal', `'$HOME \\n' y`, ['$HOME \\n', 'y']],
    ['escaped quote inside double quotes', '"say \\"hi\\""', ['say "hi"']],
    ['backslash outside quotes escapes one character', 'a\\ b c', ['a b', 'c']],
    ['quotes glued to a word', '--prompt="fix it"', ['--prompt=fix it']],
    ['nothing is expanded', '$(rm -rf /) `id` *', ['$(rm', '-rf', '/)', '`id`', '*']],
    ['empty', '   ', []],
  ])('%s', (_, input, expected) => {
    expect(splitWords(input)?.map((w) => w.value)).toEqual(expected);
  });

  it('marks quoted words, so "--force" in quotes is a word and not a flag', () => {
    expect(splitWords('"--force" --force')?.map((w) => w.quoted)).toEqual([true, false]);
  });

  it('gives undefined for an unclosed quote', () => {
    expect(splitWords('say "hello')).toBeUndefined();
    expect(splitWords("it's")).toBeUndefined();
  });
});

describe('parseSlashComment', () => {
  it.each([
    ['one command', '/ao status', [{ verb: 'status', words: [], line: '', body: '', at: 1 }]],
    ['verbs are case-insensitive, words are not', '/ao KILL --Force', [{ verb: 'kill', words: ['--Force'], line: '--Force', body: '', at: 1 }]],
    ['up to three leading spaces', '   /ao status', [{ verb: 'status', words: [], line: '', body: '', at: 1 }]],
    ['text around it', 'Thanks!\n/ao kill --force\nbye', [{ verb: 'kill', words: ['--force'], line: '--force', body: '', at: 2 }]],
    [
      'several commands in one comment',
      '/ao status\n/ao kill\n/ao restore',
      [
        { verb: 'status', words: [], line: '', body: '', at: 1 },
        { verb: 'kill', words: [], line: '', body: '', at: 2 },
        { verb: 'restore', words: [], line: '', body: '', at: 3 },
      ],
    ],
    ['a text command takes the following lines', '/ao send fix the tests\nand the docs\n\nthanks', [{ verb: 'send', words: ['fix', 'the', 'tests'], line: 'fix the tests', body: 'and the docs\n\nthanks', at: 1 }]],
    [
      'a text command ends at the next command line',
      '/ao send one\ntwo\n/ao status',
      [
        { verb: 'send', words: ['one'], line: 'one', body: 'two', at: 1 },
        { verb: 'status', words: [], line: '', body: '', at: 3 },
      ],
    ],
    ['code blocks inside a text are kept, and a command inside them does not end it', '/ao send run this:\n```sh\n/ao kill\nnpm test\n```\nthen push', [{ verb: 'send', words: ['run', 'this:'], line: 'run this:', body: '```sh\n/ao kill\nnpm test\n```\nthen push', at: 1 }]],
    ['a command in a fenced code block is not a command', '```\n/ao kill\n```\n~~~\n/ao kill\n~~~', []],
    ['a command in an indented code block is not a command', 'Example:\n\n    /ao kill\n', []],
    ['a command in a quote is not a command', '> /ao kill\n>/ao kill', []],
    ['a command in inline code is not a command', 'try `/ao kill`', []],
    ['the prefix must stand alone', '/aox status\n/ao-kill\n/ao\tstatus', [{ verb: 'status', words: [], line: '', body: '', at: 3 }]],
    ['shell metacharacters in a text arrive verbatim', '/ao send echo "$HOME" && rm -rf / ; `id` \'x\'', [{ verb: 'send', words: ['echo', '$HOME', '&&', 'rm', '-rf', '/', ';', '`id`', 'x'], line: 'echo "$HOME" && rm -rf / ; `id` \'x\'', body: '', at: 1 }]],
    ['an unclosed quote in a text command is kept verbatim', '/ao send it\'s done', [{ verb: 'send', words: ["it's", 'done'], line: "it's done", body: '', at: 1 }]],
    ['Windows line ends', '/ao send a\r\nb\r\n', [{ verb: 'send', words: ['a'], line: 'a', body: 'b', at: 1 }]],
  ])('%s', (_, body, expected) => {
    expect(summary(body)).toEqual(expected);
    expect(parse(body).errors).toEqual([]);
  });

  it.each([
    ['a bare prefix', '/ao', /needs a command/],
    ['an unclosed quote', '/ao kill "oops', /quote is not closed/],
  ])('reports %s with its line', (_, body, message) => {
    const { invocations, errors } = parse(`hello\n${body}`);
    expect(invocations).toEqual([]);
    expect(errors).toEqual([{ lineNumber: 2, message: expect.stringMatching(message) }]);
  });

  it('honours another prefix', () => {
    expect(parseSlashComment('/bot status\n/ao kill', { prefix: '/bot' }).invocations.map((i) => i.verb)).toEqual(['status']);
  });
});

describe('closest', () => {
  it.each([
    ['stauts', ['status', 'send', 'kill'], 'status'],
    ['kil', ['status', 'send', 'kill'], 'kill'],
    ['deploy', ['status', 'send', 'kill'], undefined],
  ])('%s', (word, candidates, expected) => {
    expect(closest(word, candidates)).toBe(expected);
  });
});
