/** Request counters of one emulator, for tests and benchmarks. A snapshot: later requests don't change it. */
export interface EmulatorStats {
  /** Every request the emulator received, including faulted and dropped ones. */
  total: number;
  /** By endpoint: `discovery`, `jwks`, `token`, `not_found`. */
  byEndpoint: Record<string, number>;
  /** Token requests by `grant_type` as sent (`password`, `refresh_token`, `(none)`, …). */
  byGrant: Record<string, number>;
  /** Answers by HTTP status (`"200"`, `"400"`, `"429"`, …); dropped connections count as `"dropped"`. */
  byStatus: Record<string, number>;
  /** Faults injected, by kind (`latency`, `fail`, `rateLimit`, `drop`, `malformedJson`, `truncatedJson`). */
  faults: Record<string, number>;
}

/** @internal Mutable counters behind `stats()`. */
export interface StatsRecorder {
  endpoint(name: string): void;
  grant(name: string): void;
  status(status: number | 'dropped'): void;
  fault(kind: string): void;
  snapshot(): EmulatorStats;
  reset(): void;
}

function bump(record: Record<string, number>, key: string): void {
  record[key] = (record[key] ?? 0) + 1;
}

/** @internal */
export function createStatsRecorder(): StatsRecorder {
  let stats: EmulatorStats = empty();
  function empty(): EmulatorStats {
    return { total: 0, byEndpoint: {}, byGrant: {}, byStatus: {}, faults: {} };
  }
  return {
    endpoint(name) {
      stats.total += 1;
      bump(stats.byEndpoint, name);
    },
    grant: (name) => bump(stats.byGrant, name),
    status: (status) => bump(stats.byStatus, String(status)),
    fault: (kind) => bump(stats.faults, kind),
    snapshot: () => structuredClone(stats),
    reset() {
      stats = empty();
    },
  };
}
