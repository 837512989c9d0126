// Building blocks for `receipts-conformance bench`.
export { CpuMeter, clockTicksPerSecond, formatCpuReport, parseProcStat, readAllProcStats, readProcStat, sampleTree, treePids } from './cpu.ts';
export type { CpuMeterOptions, CpuReport, ProcStat, TreeSample } from './cpu.ts';
export { formatSlowestTable, slowestScenarios, splitTime } from './slowest.ts';
export type { ScenarioTiming, TimeSplit } from './slowest.ts';
