/**
 * Terminal escape sequences, as far as reading a pane needs them: what is
 * left after stripping is the text a person would see (minus colours,
 * cursor moves and window titles).
 */

const ESCAPE_SEQUENCE = new RegExp(
  [
    // OSC (window title, hyperlinks): ESC ] ... terminated by BEL or ESC \
    '\\u001b\\][^\\u0007\\u001b]*(?:\\u0007|\\u001b\\\\)',
    // DCS, SOS, PM, APC strings: ESC P / X / ^ / _ ... ESC \
    '\\u001b[PX^_][^\\u001b]*\\u001b\\\\',
    // CSI (colours, cursor, modes), 7-bit and 8-bit introducers
    '(?:\\u001b\\[|\\u009b)[0-?]*[ -/]*[@-~]',
    // Two-character escapes (charset selection, keypad modes, save/restore cursor)
    '\\u001b[ -/]*[0-~]',
  ].join('|'),
  'g',
);

/** Remove ANSI/VT escape sequences from text. */
export function stripAnsi(text: string): string {
  return text.replace(ESCAPE_SEQUENCE, '');
}
