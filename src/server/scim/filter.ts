// SCIM filter and PATCH path parser (RFC 7644 §3.4.2.2, §3.5.2): a hand-written tokenizer and
// recursive-descent parser. Linear in the input (every token is consumed once; no regex backtracking),
// with a nesting limit so hostile input cannot overflow the stack. Precedence: not > and > or.
import { badRequest } from './errors.js';

export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';
export type CompValue = string | number | boolean | null;

export type FilterNode =
  | { kind: 'compare'; path: string; op: CompareOp; value: CompValue }
  | { kind: 'present'; path: string }
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; filter: FilterNode }
  /** `emails[type eq "work"]`, optionally followed by `.value eq "x"` / `.value pr` (Entra sends this form). */
  | { kind: 'valuePath'; path: string; filter: FilterNode; sub?: { name: string; op: CompareOp | 'pr'; value: CompValue } };

/** A PATCH `path`: `attr`, `attr.sub`, `urn:…:attr`, `attr[filter]`, `attr[filter].sub`. */
export interface PatchPath {
  attr: string;
  filter: FilterNode | undefined;
  sub: string | undefined;
}

const MAX_DEPTH = 32;
export const MAX_FILTER_LENGTH = 4096;
const COMPARE_OPS = new Set<string>(['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le']);

type Token =
  | { t: 'lparen' | 'rparen' | 'lbracket' | 'rbracket'; pos: number }
  | { t: 'word'; v: string; pos: number }
  | { t: 'string'; v: string; pos: number }
  | { t: 'number'; v: number; pos: number };

const isWordChar = (c: number) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 /* _ */ || c === 58 /* : */ || c === 46 /* . */ || c === 36 /* $ */ || c === 45; /* - */

function tokenize(input: string, fail: (why: string) => Error): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
      continue;
    }
    if (c === 40) tokens.push({ t: 'lparen', pos: i++ });
    else if (c === 41) tokens.push({ t: 'rparen', pos: i++ });
    else if (c === 91) tokens.push({ t: 'lbracket', pos: i++ });
    else if (c === 93) tokens.push({ t: 'rbracket', pos: i++ });
    else if (c === 34) {
      // JSON string: scan to the closing quote, honouring backslash escapes, then let JSON.parse decode it.
      const start = i++;
      while (i < input.length && input.charCodeAt(i) !== 34) i += input.charCodeAt(i) === 92 ? 2 : 1;
      if (i >= input.length) throw fail(`unterminated string starting at position ${start + 1}`);
      const raw = input.slice(start, ++i);
      let v: unknown;
      try {
        v = JSON.parse(raw);
      } catch {
        throw fail(`invalid string at position ${start + 1}`);
      }
      tokens.push({ t: 'string', v: v as string, pos: start });
    } else if (isWordChar(c)) {
      const start = i;
      while (i < input.length && isWordChar(input.charCodeAt(i))) i++;
      const word = input.slice(start, i);
      if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(word)) tokens.push({ t: 'number', v: Number(word), pos: start });
      else tokens.push({ t: 'word', v: word, pos: start });
    } else throw fail(`unexpected character "${input[i]}" at position ${i + 1}`);
  }
  return tokens;
}

// Checked without a combined regex: `urn:…:` prefixes contain ':' and '.', and one pattern for both
// halves would backtrack quadratically on long words.
const NAME_PATH = /^[A-Za-z$][\w$-]*(?:\.[A-Za-z$][\w$-]*)?$/;
const URN = /^urn:[A-Za-z0-9.:_-]+$/i;
function isAttrPath(text: string): boolean {
  if (text.length > 1024) return false;
  const colon = text.lastIndexOf(':');
  if (colon === -1) return NAME_PATH.test(text);
  return URN.test(text.slice(0, colon)) && NAME_PATH.test(text.slice(colon + 1));
}
const ATTR_PATH = { test: isAttrPath };

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly fail: (why: string) => Error,
  ) {}

  done(): boolean {
    return this.i >= this.tokens.length;
  }
  peek(): Token | undefined {
    return this.tokens[this.i];
  }
  next(): Token {
    const token = this.tokens[this.i++];
    if (!token) throw this.fail('unexpected end of filter');
    return token;
  }
  keyword(token: Token | undefined, word: string): boolean {
    return token?.t === 'word' && token.v.toLowerCase() === word;
  }
  expect(t: Token['t'], what: string): void {
    const token = this.next();
    if (token.t !== t) throw this.fail(`expected ${what} at position ${token.pos + 1}`);
  }

  or(depth: number): FilterNode {
    if (depth > MAX_DEPTH) throw this.fail(`nested deeper than ${MAX_DEPTH} levels`);
    let left = this.and(depth);
    while (this.keyword(this.peek(), 'or')) {
      this.i++;
      left = { kind: 'or', left, right: this.and(depth) };
    }
    return left;
  }
  and(depth: number): FilterNode {
    let left = this.unary(depth);
    while (this.keyword(this.peek(), 'and')) {
      this.i++;
      left = { kind: 'and', left, right: this.unary(depth) };
    }
    return left;
  }
  unary(depth: number): FilterNode {
    const token = this.next();
    if (token.t === 'lparen') {
      const inner = this.or(depth + 1);
      this.expect('rparen', '")"');
      return inner;
    }
    if (this.keyword(token, 'not') && this.peek()?.t === 'lparen') {
      this.i++;
      const inner = this.or(depth + 1);
      this.expect('rparen', '")"');
      return { kind: 'not', filter: inner };
    }
    if (token.t !== 'word') throw this.fail(`expected an attribute name at position ${token.pos + 1}`);
    const path = this.attrPath(token);
    if (this.peek()?.t === 'lbracket') {
      this.i++;
      const inner = this.or(depth + 1);
      this.expect('rbracket', '"]"');
      const after = this.peek();
      if (after?.t === 'word' && after.v.startsWith('.')) {
        this.i++;
        const name = after.v.slice(1);
        if (!/^[A-Za-z$][\w$-]*$/.test(name)) throw this.fail(`invalid sub-attribute "${after.v}"`);
        const opToken = this.next();
        const op = opToken.t === 'word' ? opToken.v.toLowerCase() : '';
        if (op === 'pr') return { kind: 'valuePath', path, filter: inner, sub: { name, op: 'pr', value: null } };
        if (!COMPARE_OPS.has(op)) throw this.fail(`expected an operator after "${after.v}"`);
        return { kind: 'valuePath', path, filter: inner, sub: { name, op: op as CompareOp, value: this.value() } };
      }
      return { kind: 'valuePath', path, filter: inner };
    }
    const opToken = this.next();
    const op = opToken.t === 'word' ? opToken.v.toLowerCase() : '';
    if (op === 'pr') return { kind: 'present', path };
    if (!COMPARE_OPS.has(op)) throw this.fail(`expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) after "${path}"`);
    return { kind: 'compare', path, op: op as CompareOp, value: this.value() };
  }
  attrPath(token: Token & { t: 'word' }): string {
    if (!ATTR_PATH.test(token.v)) throw this.fail(`invalid attribute path "${token.v}"`);
    return token.v;
  }
  value(): CompValue {
    const token = this.next();
    if (token.t === 'string' || token.t === 'number') return token.v;
    if (token.t === 'word') {
      const w = token.v.toLowerCase();
      if (w === 'true') return true;
      if (w === 'false') return false;
      if (w === 'null') return null;
    }
    throw this.fail(`expected a value (string, number, true, false, null) at position ${token.pos + 1}`);
  }
}

// The filter an IdP sends before each push, `userName eq "…"`: one `eq` of a plain attribute name (no URN)
// with a string without escapes or control characters. Read with this one pattern, it gives the node the
// parser gives (the tokens are the same words and string; JSON.parse of such a string is its content).
// eslint-disable-next-line no-control-regex -- control characters are what a JSON string may not hold
const SIMPLE_EQ = /^[ \t\n\r]*([A-Za-z$][\w$-]*(?:\.[A-Za-z$][\w$-]*)?)[ \t\n\r]+[eE][qQ][ \t\n\r]+"([^"\\\u0000-\u001f]*)"[ \t\n\r]*$/;

/** Parse a `filter` query parameter. Throws a SCIM 400 invalidFilter. */
export function parseFilter(input: string): FilterNode {
  const fail = (why: string) => badRequest('invalidFilter', `Invalid filter: ${why}.`);
  if (input.length > MAX_FILTER_LENGTH) throw fail(`longer than ${MAX_FILTER_LENGTH} characters`);
  const simple = SIMPLE_EQ.exec(input);
  if (simple) return { kind: 'compare', path: simple[1]!, op: 'eq', value: simple[2]! };
  const parser = new Parser(tokenize(input, fail), fail);
  if (parser.done()) throw fail('empty');
  const node = parser.or(0);
  const rest = parser.peek();
  if (rest) throw fail(`unexpected "${rest.t === 'word' || rest.t === 'string' ? rest.v : rest.t}" at position ${rest.pos + 1}`);
  return node;
}

/** Parse a PATCH operation `path`. Throws a SCIM 400 invalidPath. */
export function parsePatchPath(input: string): PatchPath {
  const fail = (why: string) => badRequest('invalidPath', `Invalid PATCH path "${input.slice(0, 200)}": ${why}.`);
  if (input.length > MAX_FILTER_LENGTH) throw fail('too long');
  const bracket = input.indexOf('[');
  if (bracket === -1) {
    const attr = input.trim();
    if (!ATTR_PATH.test(attr)) throw fail('not an attribute path');
    return { attr, filter: undefined, sub: undefined };
  }
  const attr = input.slice(0, bracket).trim();
  if (!ATTR_PATH.test(attr) || attr.includes('.') && !attr.toLowerCase().startsWith('urn:')) throw fail('not an attribute path');
  const close = input.lastIndexOf(']');
  if (close < bracket) throw fail('missing "]"');
  const filterFail = (why: string) => badRequest('invalidPath', `Invalid PATCH path "${input.slice(0, 200)}": ${why}.`);
  const parser = new Parser(tokenize(input.slice(bracket + 1, close), filterFail), filterFail);
  if (parser.done()) throw fail('empty filter');
  const filter = parser.or(1);
  if (!parser.done()) throw fail('unexpected text in the filter');
  const tail = input.slice(close + 1).trim();
  let sub: string | undefined;
  if (tail) {
    if (!/^\.[A-Za-z$][\w$-]*$/.test(tail)) throw fail(`unexpected "${tail}" after "]"`);
    sub = tail.slice(1);
  }
  return { attr, filter, sub };
}
