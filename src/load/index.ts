// Entry points of `receipts-conformance load` for the CLI.
export { parseLoadOptions, LOAD_USAGE, LOAD_LIMITS, TEST_LOAD_ARGS, UsageError, type LoadOptions, type LoadTargetKind } from './options.ts';
export { runLoad, defaultStartTarget, type LoadIo } from './run.ts';
export { exitCodeOf, METRICS, type LoadReport, type LoadTargetReport, type MetricId } from './report.ts';
export { INVARIANTS, type InvariantId, type InvariantResult } from './invariants.ts';
export { LOAD_ROOM_VERSION } from './setup.ts';
export { writeLoadReports, renderLoadHtml, renderLoadJson, renderLoadText } from '../../reporters/load/index.ts';
