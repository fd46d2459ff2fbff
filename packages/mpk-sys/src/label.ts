/**
 * Region labels as the fault reporter prints them.
 *
 * The signal handler copies a label byte for byte into a line of text, so
 * whatever could break that line is escaped here, before the label reaches
 * the native table: a double quote or backslash gets a backslash, control
 * characters (and the Unicode line and paragraph separators) become \xHH or
 * \uHHHH. The result is cut to the table's byte limit at a character
 * boundary, never inside a UTF-8 sequence or an escape.
 */
import { LABEL_MAX_BYTES } from './constants.js';

function escapeCharacter(character: string): string {
  if (character === '"' || character === '\\') return `\\${character}`;
  const code = character.codePointAt(0) ?? 0;
  if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code === 0x2028 || code === 0x2029) return `\\u${code.toString(16)}`;
  return character;
}

/** The label as stored: escaped, and at most LABEL_MAX_BYTES UTF-8 bytes. */
export function encodeLabel(label: string): string {
  let encoded = '';
  let bytes = 0;
  for (const character of label) {
    const piece = escapeCharacter(character);
    // A lone surrogate is stored as U+FFFD (3 bytes), as Buffer.byteLength counts it.
    const size = Buffer.byteLength(piece, 'utf8');
    if (bytes + size > LABEL_MAX_BYTES) break;
    encoded += piece;
    bytes += size;
  }
  return encoded;
}
