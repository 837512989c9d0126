import { describe, it, expect } from 'vitest';
import { formatSlowestTable, slowestScenarios, splitTime } from '../../src/bench/slowest.ts';

describe('slowest scenarios table', () => {
  it('splits a scenario into server, harness and deadline time that add up to its duration', () => {
    const s = splitTime({ id: 'a', durationMs: 16_000, httpWaitMs: 15_500, deadlineWaitMs: 15_000 });
    expect(s).toEqual({ id: 'a', totalMs: 16_000, serverMs: 500, harnessMs: 500, deadlineMs: 15_000 });
  });

  it('clamps inconsistent records instead of printing negative time', () => {
    const s = splitTime({ id: 'b', durationMs: 100, httpWaitMs: 150, deadlineWaitMs: 400 });
    expect(s.serverMs + s.harnessMs + s.deadlineMs).toBe(100);
    expect(Math.min(s.serverMs, s.harnessMs, s.deadlineMs)).toBeGreaterThanOrEqual(0);
  });

  it('lists the slowest first, at most `top`, with a server CPU column only when known', () => {
    const records = [
      { id: 'cs.fast', durationMs: 200, httpWaitMs: 150 },
      { id: 'cs.slow', durationMs: 15_800, httpWaitMs: 15_300, deadlineWaitMs: 15_000, serverCpuMs: 120 },
      { id: 'cs.middle', durationMs: 1_200, httpWaitMs: 900 },
    ];
    expect(slowestScenarios(records, 2).map((r) => r.id)).toEqual(['cs.slow', 'cs.middle']);
    const text = formatSlowestTable(records, 2);
    const lines = text.split('\n');
    expect(lines[1]).toMatch(/^scenario\s+total\s+server\s+harness\s+deadline\s+server CPU$/);
    expect(lines[2]).toMatch(/^cs\.slow\s+15\.80 s\s+0\.30 s 2%\s+0\.50 s 3%\s+15\.00 s 95%\s+0\.12 s$/);
    expect(lines[3]).toMatch(/^cs\.middle\s+1\.20 s\s+0\.90 s 75%\s+0\.30 s 25%\s+0\.00 s 0%\s+–$/);
    expect(lines).toHaveLength(4);
    expect(formatSlowestTable(records.slice(0, 1))).not.toMatch(/server CPU$/m);
    expect(formatSlowestTable([])).toMatch(/none ran/);
  });
});
