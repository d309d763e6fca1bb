import type { CliIo, CliOutput } from './io.js';
import { terminalSafe, terminalSafeStyled } from './terminal-text.js';

/** ANSI styling that turns itself off when the output is not a terminal or `NO_COLOR` is set. */
export interface Styles {
  readonly enabled: boolean;
  bold: (text: string) => string;
  dim: (text: string) => string;
  green: (text: string) => string;
  red: (text: string) => string;
  yellow: (text: string) => string;
  cyan: (text: string) => string;
}

/** Colours only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function colourEnabled(output: CliOutput, env: CliIo['env']): boolean {
  return output.isTTY === true && (env.NO_COLOR ?? '') === '' && env.TERM !== 'dumb';
}

export function createStyles(enabled: boolean): Styles {
  const wrap = (open: number, close: number) => (text: string) => (enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text);
  return { enabled, bold: wrap(1, 22), dim: wrap(2, 22), green: wrap(32, 39), red: wrap(31, 39), yellow: wrap(33, 39), cyan: wrap(36, 39) };
}

/** Status marks of check and step lines. */
export const MARK = { ok: '✓', fail: '✗', warn: '!', skip: '-', info: '•' } as const;
export type MarkKind = keyof typeof MARK;

/** Writes human output: lines, marked lines, step timings, a spinner on a terminal, tables. */
export interface Ui {
  readonly styles: Styles;
  /** True when a spinner may be drawn (stderr is a terminal). */
  readonly interactive: boolean;
  line(text?: string): void;
  /** `✓ text` / `✗ text` … with the mark coloured. */
  mark(kind: MarkKind, text: string, detail?: string): void;
  /** Indented continuation line (fix, hint). */
  note(label: string, text: string): void;
  heading(text: string): void;
  /**
   * Runs `work` while showing `label` with a spinner and elapsed time on a terminal. Prints nothing by
   * itself when done: the caller prints the outcome. Returns the value and the milliseconds taken.
   */
  spin<T>(label: string, work: () => Promise<T>): Promise<{ value: T; ms: number }>;
  table(headers: readonly string[], rows: readonly (readonly string[])[]): void;
  /** Label / value lines, labels aligned. */
  pairs(rows: readonly (readonly [string, string])[]): void;
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;]*m/g;

/** Visible width of a string (ANSI codes removed). */
export function visibleLength(text: string): number {
  return [...text.replace(ANSI, '')].length;
}

export function formatMs(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

/**
 * The human-output writer of a command. `out` receives the results (stdout); the spinner goes to
 * stderr so that `> file` captures only results.
 */
export function createUi(io: CliIo, out: CliOutput = io.stdout): Ui {
  const styles = createStyles(colourEnabled(out, io.env));
  const interactive = io.stderr.isTTY === true && out.isTTY === true && io.env.TERM !== 'dumb' && (io.env.CI ?? '') === '';
  const colourOf: Record<MarkKind, (text: string) => string> = {
    ok: styles.green,
    fail: styles.red,
    warn: styles.yellow,
    skip: styles.dim,
    info: styles.cyan,
  };
  // Every line passes the terminal filter: our own colours stay, anything else that could drive the terminal goes.
  const line = (text = '') => void out.write(`${terminalSafeStyled(text)}\n`);
  const safe = (text: string) => terminalSafe(text);
  return {
    styles,
    interactive,
    line,
    mark(kind, text, detail) {
      line(`${colourOf[kind](MARK[kind])} ${safe(text)}${detail ? ` ${styles.dim(safe(detail))}` : ''}`);
    },
    note(label, text) {
      const lines = safe(text).split('\n');
      line(`    ${styles.dim(`${label}:`)} ${lines[0] ?? ''}`);
      for (const rest of lines.slice(1)) line(`    ${' '.repeat(label.length + 1)} ${rest}`);
    },
    heading(text) {
      line();
      line(styles.bold(text));
    },
    async spin(label, work) {
      const started = performance.now();
      let timer: ReturnType<typeof setInterval> | undefined;
      if (interactive) {
        let frame = 0;
        const draw = () => {
          const elapsed = formatMs(performance.now() - started);
          io.stderr.write(`\r\u001b[2K${styles.cyan(FRAMES[frame % FRAMES.length] ?? '')} ${terminalSafe(label, { singleLine: true })} ${styles.dim(elapsed)}`);
          frame += 1;
        };
        draw();
        timer = setInterval(draw, 80);
        timer.unref?.();
      }
      try {
        const value = await work();
        return { value, ms: performance.now() - started };
      } finally {
        if (timer !== undefined) {
          clearInterval(timer);
          io.stderr.write('\r\u001b[2K');
        }
      }
    },
    table(headers, plainRows) {
      const rows = plainRows.map((row) => row.map((cell) => terminalSafeStyled(cell)));
      const widths = headers.map((header, column) => Math.max(visibleLength(header), ...rows.map((row) => visibleLength(row[column] ?? ''))));
      const pad = (cell: string, column: number) => cell + ' '.repeat(Math.max(0, (widths[column] ?? 0) - visibleLength(cell)));
      const render = (cells: readonly string[]) => `  ${cells.map(pad).join('  ').trimEnd()}`;
      line(styles.bold(render(headers)));
      line(render(widths.map((width) => '─'.repeat(width))));
      for (const row of rows) line(render(row));
    },
    pairs(rows) {
      const width = Math.max(0, ...rows.map(([label]) => label.length));
      for (const [label, value] of rows) line(`  ${styles.dim(label.padEnd(width))}  ${terminalSafeStyled(value)}`);
    },
  };
}

/** Shortens an identifier for display: the first and last few characters (access key ids). */
export function shorten(value: string, keep = 6): string {
  return value.length <= keep * 2 + 1 ? value : `${value.slice(0, keep)}…${value.slice(-4)}`;
}
