// Text from an IdP or a server (error descriptions, names, messages) must not drive the terminal: an
// `ESC ] … BEL` sequence can set the window title or a hyperlink, `ESC [2J` clears the screen, a C1
// control does the same on some terminals. Every CLI output path passes text through here.

// ESC-introduced sequences: CSI (ESC [ … final byte), OSC / DCS / SOS / PM / APC (ESC ] … BEL or ST),
// and two-character escapes (ESC + one byte).
// eslint-disable-next-line no-control-regex
const ESCAPE_SEQUENCE = /\u001b(?:\[[0-?]*[ -/]*[@-~]|[\]PX^_][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[\s\S]?)/g;
// The 8-bit forms: CSI (U+009B) and OSC/DCS/… (U+009D, U+0090, …) up to their terminator.
// eslint-disable-next-line no-control-regex
const C1_SEQUENCE = /\u009b[0-?]*[ -/]*[@-~]|[\u0090\u0098\u009d\u009e\u009f][^\u0007\u009c]*(?:\u0007|\u009c)?/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// Our own colours: Select Graphic Rendition only.
// eslint-disable-next-line no-control-regex
const OWN_STYLE = /\u001b\[[0-9;]*m/g;

/**
 * Text safe for a terminal: escape sequences (CSI, OSC, DCS…, 7- and 8-bit) and every other C0/C1
 * control removed; a tab becomes a space; line breaks are kept (`\r\n` and `\r` become `\n`) unless
 * `singleLine`, which turns them into spaces.
 *
 * @example
 * terminalSafe('bad\u001b]0;owned\u0007 thing\u001b[2J'); // 'bad thing'
 */
export function terminalSafe(text: string, options: { singleLine?: boolean } = {}): string {
  const stripped = text.replace(ESCAPE_SEQUENCE, '').replace(C1_SEQUENCE, '').replace(/\r\n?/g, '\n').replace(/\t/g, ' ').replace(CONTROL, '');
  return options.singleLine === true ? stripped.replace(/\n+/g, ' ') : stripped;
}

/**
 * For a line the CLI has already styled: keeps its own colour codes (SGR), removes everything else
 * `terminalSafe` removes.
 */
export function terminalSafeStyled(text: string): string {
  const codes = text.match(OWN_STYLE) ?? [];
  return text
    .split(OWN_STYLE)
    .map((piece, index) => terminalSafe(piece) + (codes[index] ?? ''))
    .join('');
}

/**
 * `JSON.stringify` for output that may reach a terminal: it escapes C0 controls but writes DEL and the
 * C1 range (U+007F–U+009F) as they are; these become `\u00XX` escapes too (same JSON value).
 */
export function terminalSafeJson(value: unknown, space?: number): string {
  return JSON.stringify(value, null, space).replace(/[\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
