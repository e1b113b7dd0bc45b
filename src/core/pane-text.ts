/**
 * Text that reaches an agent's pane (messages, task prompts, answers) is
 * pasted into a terminal. Control characters there are not text but
 * commands to the terminal or the application: an ESC can end a bracketed
 * paste early ("\x1b[201~") so that what follows is typed, and a carriage
 * return is Enter. Only line feeds and tabs are kept; every other C0 and C1
 * control character and DEL is removed, and CR LF or a lone CR become LF.
 */
export function neutralizeForPane(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000B-\u001F\u007F-\u009F]/g, '');
}

const CKSUM_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i << 24;
    for (let k = 0; k < 8; k++) c = c & 0x80000000 ? (c << 1) ^ 0x04c11db7 : c << 1;
    table[i] = c >>> 0;
  }
  return table;
})();

/**
 * What POSIX `cksum` prints for these bytes ("CRC SIZE"), so a host can
 * check that a message arrived whole with a tool every system has.
 */
export function posixCksum(bytes: Uint8Array): string {
  let crc = 0;
  const step = (byte: number) => {
    crc = ((crc << 8) ^ CKSUM_TABLE[((crc >>> 24) ^ byte) & 0xff]!) >>> 0;
  };
  for (const byte of bytes) step(byte);
  for (let n = bytes.length; n > 0; n = Math.floor(n / 256)) step(n & 0xff);
  return `${~crc >>> 0} ${bytes.length}`;
}
