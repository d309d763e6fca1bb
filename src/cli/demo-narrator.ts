import { isUbiqIdpError } from '../errors.js';
import { formatMs, type Ui } from './ui.js';

/** One step of the demo as it ended. */
export interface DemoStep {
  provider: string;
  title: string;
  /** `interrupted`: Ctrl-C arrived during this step (recorded once; the steps after it are not run). */
  status: 'ok' | 'fail' | 'skip' | 'interrupted';
  /** The one-line outcome for the summary table. */
  outcome: string;
  ms: number;
}

/** What a step's work returns: the lines to print and the outcome for the summary. */
export interface StepReport {
  lines: string[];
  outcome: string;
}

/**
 * Runs the demo's steps in order, printing for each a plain-words explanation, then what really happened.
 * A step that throws is shown with its error and hint; the steps after it that depend on it are skipped
 * and say so, rather than pretending.
 */
export interface Narrator {
  readonly steps: DemoStep[];
  step(title: string, explanation: string, work: () => Promise<StepReport>): Promise<boolean>;
  /** True once a step failed: later steps are skipped. */
  readonly broken: boolean;
}

export function createNarrator(ui: Ui, provider: string, quiet: boolean, signal?: AbortSignal): Narrator {
  const steps: DemoStep[] = [];
  let broken = false;
  let number = 0;
  return {
    steps,
    get broken() {
      return broken;
    },
    async step(title, explanation, work) {
      // After Ctrl-C nothing more is run or reported: one interrupt, not a cascade of failed steps.
      if (signal?.aborted) {
        broken = true;
        return false;
      }
      number += 1;
      if (!quiet) {
        ui.line();
        ui.line(`${ui.styles.bold(`${provider} ${number}. ${title}`)}`);
        ui.line(`   ${ui.styles.dim(explanation)}`);
      }
      if (broken) {
        steps.push({ provider, title, status: 'skip', outcome: 'skipped: an earlier step failed', ms: 0 });
        if (!quiet) ui.mark('skip', 'skipped: an earlier step failed');
        return false;
      }
      try {
        const { value, ms } = await ui.spin(title, work);
        steps.push({ provider, title, status: 'ok', outcome: value.outcome, ms });
        if (!quiet) {
          for (const [index, line] of value.lines.entries()) {
            if (index === 0) ui.mark('ok', line, `(${formatMs(ms)})`);
            else ui.line(`    ${line}`);
          }
        }
        return true;
      } catch (error) {
        broken = true;
        if (signal?.aborted) {
          steps.push({ provider, title, status: 'interrupted', outcome: 'interrupted (Ctrl-C)', ms: 0 });
          if (!quiet) ui.mark('skip', 'interrupted (Ctrl-C)');
          return false;
        }
        const message = error instanceof Error ? error.message : String(error);
        steps.push({ provider, title, status: 'fail', outcome: message.split('\n')[0] ?? 'failed', ms: 0 });
        if (!quiet) {
          ui.mark('fail', message.split('\n')[0] ?? '');
          if (isUbiqIdpError(error) && error.hint) ui.note('hint', error.hint);
        }
        return false;
      }
    },
  };
}
