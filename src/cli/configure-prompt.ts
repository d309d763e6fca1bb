import type { CliInput, CliOutput } from './io.js';

/** Reads answers one line at a time, from a terminal or from piped input. */
export interface LineReader {
  /**
   * The next line without its line break, or `undefined` when the input has ended. With `secret` on a
   * terminal, the typed characters are not echoed. `prompt` is written once the terminal is ready for the
   * answer: for a secret, after echo is off, so a secret typed (or pasted) as soon as the prompt shows is
   * never echoed.
   */
  read(options: { secret: boolean; prompt?: string }): Promise<string | undefined>;
  /** Stops listening to the input, so the process can exit. */
  close(): void;
}

/** Thrown when Ctrl-C is typed while a secret is read in raw mode (the terminal sends no SIGINT then). */
export class PromptInterrupted extends Error {
  override readonly name = 'PromptInterrupted';
  /** Read by the CLI's exit-code mapping: an interrupt exits 130, as Ctrl-C does everywhere else. */
  readonly code = 'aborted';
}

/**
 * A line reader over `input`. Piped input is split on `\n` (a trailing `\r` dropped); on a terminal, a secret
 * is read in raw mode (Enter ends it, Backspace deletes, Ctrl-C interrupts) and only a line break is echoed.
 *
 * @example
 * const reader = createLineReader(process.stdin, process.stderr);
 * const answer = await reader.read({ secret: false });
 */
export function createLineReader(input: CliInput, echo: CliOutput, signal?: AbortSignal): LineReader {
  let buffer = '';
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const onData = (chunk: Buffer | string) => {
    buffer += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    notify();
  };
  const onEnd = () => {
    ended = true;
    notify();
  };
  input.on('data', onData);
  input.on('end', onEnd);
  input.on('close', onEnd);
  input.on('error', onEnd);
  signal?.addEventListener('abort', notify, { once: true });
  const more = () => new Promise<void>((resolve) => (wake = resolve));

  async function readCooked(): Promise<string | undefined> {
    for (;;) {
      if (signal?.aborted === true) throw new PromptInterrupted('Interrupted.');
      const end = buffer.indexOf('\n');
      if (end >= 0) {
        const line = buffer.slice(0, end).replace(/\r$/, '');
        buffer = buffer.slice(end + 1);
        return line;
      }
      if (ended) {
        if (buffer === '') return undefined;
        const last = buffer;
        buffer = '';
        return last;
      }
      await more();
    }
  }

  async function readRaw(): Promise<string | undefined> {
    let typed = '';
    for (;;) {
      if (signal?.aborted === true) throw new PromptInterrupted('Interrupted.');
      while (buffer.length > 0) {
        const char = buffer[0] ?? '';
        buffer = buffer.slice(1);
        if (char === '\u0003') throw new PromptInterrupted('Interrupted.');
        if (char === '\r' || char === '\n') {
          echo.write('\n');
          return typed;
        }
        if (char === '\u007f' || char === '\b') typed = typed.slice(0, -1);
        else if (char === '\u0004' && typed === '') return undefined;
        else if (char >= ' ') typed += char;
      }
      if (ended) return typed === '' ? undefined : typed;
      await more();
    }
  }

  return {
    async read({ secret, prompt }) {
      const raw = secret && input.isTTY === true && typeof input.setRawMode === 'function';
      if (!raw) {
        if (prompt !== undefined) echo.write(prompt);
        return readCooked();
      }
      input.setRawMode?.(true);
      if (prompt !== undefined) echo.write(prompt);
      try {
        return await readRaw();
      } finally {
        input.setRawMode?.(false);
      }
    },
    close() {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('close', onEnd);
      input.removeListener('error', onEnd);
      signal?.removeEventListener('abort', notify);
      input.pause();
    },
  };
}

/** A secret as shown next to its question: the last four characters only, and only of a long enough secret. */
export function maskSecret(value: string): string {
  if (value === '') return '';
  return value.length >= 12 ? `****${value.slice(-4)}` : '****';
}
