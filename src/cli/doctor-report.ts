import type { Ui } from './ui.js';

export type CheckStatus = 'ok' | 'fail' | 'warn' | 'skip' | 'info';

/** One line of the doctor's report. Never holds a secret value. */
export interface DoctorCheck {
  section: string;
  status: CheckStatus;
  title: string;
  /** Extra facts (where a value came from, timings). */
  detail?: string;
  /** What to do about it. */
  fix?: string;
  /** The error or problem code, when there is one (see the README's error reference). */
  code?: string;
  /** The setup step of the seed documents that the fix belongs to. */
  step?: string;
}

/** Collects checks and, for human output, prints each one as it is found. */
export interface DoctorReport {
  readonly checks: DoctorCheck[];
  section(name: string): void;
  add(check: Omit<DoctorCheck, 'section'>): void;
  failed(): boolean;
  readonly ui: Ui;
  readonly json: boolean;
}

export function createDoctorReport(ui: Ui, json: boolean): DoctorReport {
  const checks: DoctorCheck[] = [];
  let current = '';
  return {
    checks,
    ui,
    json,
    section(name) {
      current = name;
      if (!json) ui.heading(name);
    },
    add(check) {
      const full = { section: current, ...check };
      checks.push(full);
      if (json) return;
      ui.mark(check.status, check.title, check.detail);
      if (check.fix) ui.note('fix', check.fix);
      if (check.step) ui.note('step', check.step);
      if (check.code) ui.note('code', check.code);
    },
    failed: () => checks.some((c) => c.status === 'fail'),
  };
}
