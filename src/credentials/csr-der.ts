// The few DER constructions a PKCS#10 request needs, written out so that making a CSR does not load
// pkijs: its first import evaluates ~300 ms of modules synchronously on the main thread (DESIGN §6).

/** The DER of one tag-length-value. */
export function derTlv(tag: number, content: Uint8Array): Buffer {
  const length = content.length;
  let header: number[];
  if (length < 0x80) {
    header = [tag, length];
  } else {
    const bytes: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
    header = [tag, 0x80 | bytes.length, ...bytes];
  }
  return Buffer.concat([Buffer.from(header), content]);
}

/** SEQUENCE of already encoded elements. */
export function derSequence(elements: readonly Uint8Array[]): Buffer {
  return derTlv(0x30, Buffer.concat(elements));
}

/** SET of already encoded elements (the caller keeps DER order; we only ever put one element in). */
export function derSet(elements: readonly Uint8Array[]): Buffer {
  return derTlv(0x31, Buffer.concat(elements));
}

/** OBJECT IDENTIFIER from dotted text. */
export function derOid(oid: string): Buffer {
  const arcs = oid.split('.').map(Number);
  const [first = 0, second = 0, ...rest] = arcs;
  const bytes: number[] = [first * 40 + second];
  for (const arc of rest) {
    const chunk: number[] = [arc % 128];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) chunk.unshift((value % 128) | 0x80);
    bytes.push(...chunk);
  }
  return derTlv(0x06, Buffer.from(bytes));
}

/** UTF8String (or PrintableString when `printable`). */
export function derString(value: string, printable = false): Buffer {
  return derTlv(printable ? 0x13 : 0x0c, Buffer.from(value, 'utf8'));
}

/** BIT STRING with no unused bits. */
export function derBitString(content: Uint8Array): Buffer {
  return derTlv(0x03, Buffer.concat([Buffer.from([0]), content]));
}

export const DER_INTEGER_ZERO = Buffer.from([0x02, 0x01, 0x00]);
/** `[0] IMPLICIT SET OF Attribute`, empty: what OpenSSL, forge and pkijs write for "no attributes". */
export const DER_EMPTY_ATTRIBUTES = Buffer.from([0xa0, 0x00]);
