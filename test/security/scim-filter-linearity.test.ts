// SCIM filter parsing stays linear in the input for hostile shapes: CPU time for inputs of size n and 4n.
// In a file of its own so that it runs in a fresh worker: after the fuzzer's thousands of cases the heap is
// large, and major collections landing in the measured loops made a linear parser look quadratic.
import { describe, expect, it } from 'vitest';
import { MAX_FILTER_LENGTH, parseFilter } from '../../src/server/scim/filter.js';

describe('filter parsing is linear', () => {
  // CPU time to parse an input of size n and of size 4n, min of several runs each: a linear parser gives a
  // ratio near 4, a quadratic one near 16. The bound is generous; it is a ratio, not a wall-clock limit.
  // Both inputs must stay under the length cap: an over-cap input is refused before the tokenizer runs,
  // so it would measure nothing (that mistake let an O(n^2) tokenizer pass here before).
  const shapes: Array<[string, (n: number) => string]> = [
    ['long or-chain', (n) => Array.from({ length: n }, (_, i) => `a eq ${i}`).join(' or ')],
    ['long string with escapes', (n) => `userName eq "${'\\"a'.repeat(n)}"`],
    ['long unterminated string', (n) => `userName eq "${'a\\\\'.repeat(n)}`],
    ['long attribute path', (n) => `${'a.'.repeat(n)}b pr`],
    ['nested parentheses (refused)', (n) => `${'('.repeat(n)}a pr${')'.repeat(n)}`],
    ['unbalanced brackets', (n) => `emails[${'type eq "w" and '.repeat(n)}`],
  ];
  /** The largest n (in steps of 4) whose 4n-sized input still fits under the cap. */
  const largestFitting = (make: (n: number) => string) => {
    let n = 4;
    while (make(4 * (n + 4)).length <= MAX_FILTER_LENGTH) n += 4;
    return n;
  };
  // CPU time of this process, not wall-clock time: other processes on a busy machine do not count, so the
  // ratio measures the parser and not the neighbours.
  const cpuMicros = (input: string, iterations: number) => {
    const start = process.cpuUsage();
    for (let k = 0; k < iterations; k += 1) {
      try {
        parseFilter(input);
      } catch {
        // refused inputs count too: refusing must also be linear
      }
    }
    const used = process.cpuUsage(start);
    return used.user + used.system;
  };
  /** Min of 7 interleaved runs of each input, so a collection that lands in one run does not decide the ratio. */
  const bestPair = (small: string, large: string, iterations: number) => {
    let bestSmall = Number.POSITIVE_INFINITY;
    let bestLarge = Number.POSITIVE_INFINITY;
    for (let run = 0; run < 7; run += 1) {
      bestSmall = Math.min(bestSmall, cpuMicros(small, iterations));
      bestLarge = Math.min(bestLarge, cpuMicros(large, iterations));
    }
    return { bestSmall, bestLarge };
  };
  it.each(shapes)('%s: parse time of 4n over n stays far below quadratic', (_name, make) => {
    const n = largestFitting(make);
    const small = make(n);
    const large = make(4 * n);
    expect(large.length).toBeLessThanOrEqual(MAX_FILTER_LENGTH);
    expect(large.length).toBeGreaterThan(3 * small.length);
    // Enough iterations that the small input alone takes at least 20 ms of CPU.
    let iterations = 16;
    while (cpuMicros(small, iterations) < 20_000) iterations *= 2;
    cpuMicros(large, iterations); // warm up
    const { bestSmall, bestLarge } = bestPair(small, large, iterations);
    const ratio = bestLarge / Math.max(1, bestSmall);
    expect(ratio).toBeLessThan(10);
  });
});
