// The line reader `configure` asks with: a terminal reads secrets in raw mode without echo; piped input line by line.
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLineReader, maskSecret, PromptInterrupted } from '../../src/cli/configure-prompt.js';
import { EXIT, exitCodeFor } from '../../src/cli/exit-codes.js';
import { memoryOutput } from '../../src/cli/io.js';

/** A stand-in terminal: records raw mode changes; the test types into it. */
function fakeTerminal() {
  const stream = new PassThrough();
  const modes: boolean[] = [];
  const input = Object.assign(stream, { isTTY: true, setRawMode: (mode: boolean) => modes.push(mode) });
  return { input, modes, type: (text: string) => stream.write(text) };
}

describe('configure line reader', () => {
  it('reads a secret on a terminal in raw mode: nothing echoed but the line break, Backspace deletes, raw mode is left after', async () => {
    const terminal = fakeTerminal();
    const echo = memoryOutput(true);
    const reader = createLineReader(terminal.input, echo);
    const answer = reader.read({ secret: true });
    terminal.type('hunter2x\u007f\u007f');
    terminal.type('9\r');
    expect(await answer).toBe('hunter9');
    expect(echo.text()).toBe('\n');
    expect(terminal.modes).toEqual([true, false]);
    reader.close();
  });

  it("shows a secret's prompt only once echo is off, so an answer typed as soon as it shows is never echoed", async () => {
    const terminal = fakeTerminal();
    const events: string[] = [];
    const input = Object.assign(terminal.input, { setRawMode: (mode: boolean) => events.push(`raw ${String(mode)}`) });
    const echo = { isTTY: true, write: (text: string) => (events.push(`write ${text}`), true) };
    const reader = createLineReader(input, echo);
    const answer = reader.read({ secret: true, prompt: 'Password: ' });
    terminal.type('s3cret\r');
    expect(await answer).toBe('s3cret');
    expect(events).toEqual(['raw true', 'write Password: ', 'write \n', 'raw false']);
    const plain = reader.read({ secret: false, prompt: 'Username: ' });
    terminal.type('ada\n');
    expect(await plain).toBe('ada');
    expect(events.slice(4)).toEqual(['write Username: ']);
    reader.close();
  });

  it('Ctrl-C while a secret is typed interrupts and leaves raw mode', async () => {
    const terminal = fakeTerminal();
    const reader = createLineReader(terminal.input, memoryOutput(true));
    const answer = reader.read({ secret: true });
    terminal.type('abc\u0003');
    const error: unknown = await answer.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PromptInterrupted);
    expect(exitCodeFor(error)).toBe(EXIT.interrupted);
    expect(terminal.modes).toEqual([true, false]);
  });

  it('splits piped input on line breaks (CRLF too) and reports the end', async () => {
    const input = new PassThrough();
    const reader = createLineReader(input, memoryOutput());
    const first = reader.read({ secret: true });
    input.write('one\r\ntw');
    expect(await first).toBe('one');
    const second = reader.read({ secret: false });
    input.write('o\nlast');
    expect(await second).toBe('two');
    input.end();
    expect(await reader.read({ secret: false })).toBe('last');
    expect(await reader.read({ secret: false })).toBeUndefined();
  });

  it('masks a secret to its last four characters only when it is long enough', () => {
    expect(maskSecret('iKrc0123456789Ol6x')).toBe('****Ol6x');
    expect(maskSecret('short')).toBe('****');
    expect(maskSecret('')).toBe('');
  });
});
