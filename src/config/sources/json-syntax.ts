/**
 * Explains why a JSON file does not parse, for the mistakes people make when they paste the seed
 * document's `"idp": { … }.` example. Each repair is applied to a copy only so that the rest of
 * the file can still be checked and every problem reported at once; the file is refused anyway.
 */
export interface JsonRepair {
  code: string;
  message: string;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** The JSON key on the same line before `index`, to name it in a message (keys are not secret). */
function keyBefore(text: string, index: number): string | undefined {
  const lineStart = text.lastIndexOf('\n', index - 1) + 1;
  const match = /"([^"\r\n]{1,64})"\s*:\s*$/.exec(text.slice(lineStart, index));
  return match?.[1];
}

/** Per kind of mistake; past this only the count is reported (a hostile file may have thousands). */
const MAX_REPORTED = 5;

export function diagnoseJson(original: string): { repaired: string; repairs: JsonRepair[] } {
  const all: JsonRepair[] = [];
  const counts = new Map<string, number>();
  // Messages are built lazily: computing a line number is O(file size), too slow to do thousands of times.
  const repairs = {
    push(code: string, message: () => string): void {
      const count = (counts.get(code) ?? 0) + 1;
      counts.set(code, count);
      if (count <= MAX_REPORTED) all.push({ code, message: message() });
    },
  };
  let text = original;

  text = text.replace(/"<([^"<>\r\n]*)">/g, (match, inner: string, offset: number) => {
    repairs.push('angle_brackets', () => {
      const key = keyBefore(text, offset);
      return `line ${lineOf(text, offset)}: the value${key ? ` of "${key}"` : ''} is wrapped in <...> with the closing quote inside the bracket (as in the setup document); write just "https://…" without < and >`;
    });
    return `"${inner}"`;
  });

  text = text.replace(/\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})|\\([^"\\/bfnrtu]|u)/g, (match, bad: string | undefined, offset: number) => {
    if (bad === undefined) return match;
    repairs.push('invalid_escape', () => {
      const key = keyBefore(text, text.lastIndexOf('"', offset));
      const shown = bad === '<' ? '\\<' : 'a backslash';
      return (
        `line ${lineOf(text, offset)}: ${shown} is not a valid escape in a JSON string${key ? ` (value of "${key}")` : ''}` +
        (bad === '<' ? "; the setup document's client_secret example is shortened, so paste your full secret" : '; write \\\\ for a literal backslash')
      );
    });
    return bad;
  });

  if (/[“”„]/.test(text)) {
    const at = text.search(/[“”„]/);
    repairs.push('smart_quotes', () => `line ${lineOf(text, at)}: typographic quotes (“ ”) are not JSON quotes; use plain "`);
    text = text.replace(/[“”„]/g, '"');
  }

  text = text.replace(/,(\s*[}\]])/g, (match, rest: string, offset: number) => {
    repairs.push('trailing_comma', () => `line ${lineOf(text, offset)}: a comma before a closing bracket is not allowed in JSON; remove it`);
    return rest;
  });

  const trailingDot = /\}\s*\.\s*$/.exec(text);
  if (trailingDot) {
    const at = trailingDot.index + trailingDot[0].indexOf('.');
    repairs.push('trailing_dot', () => `line ${lineOf(text, at)}: remove the '.' after the closing '}' (it ends the sentence in the setup document, it is not part of the JSON)`);
    text = `${text.slice(0, trailingDot.index)}}`;
  }

  if (/^\s*"[^"]*"\s*:/.test(text)) {
    repairs.push('json_fragment', () => 'the file starts with a "key": value pair; the whole file must be one JSON object, so put { before "idp" and } at the end');
    text = `{${text}\n}`;
  }
  for (const [code, count] of counts) {
    if (count > MAX_REPORTED) all.push({ code, message: `and ${count - MAX_REPORTED} more of the same kind` });
  }
  return { repaired: text, repairs: all };
}

/** Where V8 says the syntax error is, without quoting the text (which may hold a secret). */
export function syntaxErrorLocation(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  const lineCol = /line (\d+) column (\d+)/.exec(message);
  if (lineCol) return ` at line ${lineCol[1]}, column ${lineCol[2]}`;
  const position = /position (\d+)/.exec(message);
  if (position) {
    const index = Number(position[1]);
    const line = lineOf(text, index);
    const column = index - text.lastIndexOf('\n', index - 1);
    return ` at line ${line}, column ${column}`;
  }
  if (/Unexpected end of JSON input/.test(message)) return ' (it ends too early: a closing } or " is missing)';
  return '';
}
