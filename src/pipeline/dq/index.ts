// Data quality: expectation suites as data, evaluated as SQL in DuckDB, results in a Delta
// table, HTML data docs. See docs/data-quality.md.
export type { DqRun, ExpectationOutcome, ExpectationScope, Severity } from './model.js';
export {
  EXPECTATION_TYPES,
  EXPECTATION_TYPE_NAMES,
  FRESHNESS_TYPE,
  INCREASING_TYPE,
  isExpectationType,
  type ExpectationType,
  type ExpectationTypeSpec,
} from './expectation-types.js';
export {
  DEFAULT_SUITES_DIR,
  DQ_TABLES,
  SEVERITIES,
  loadSuites,
  loadSuiteFile,
  parseSuite,
  type Expectation,
  type ExpectationSuite,
  type DqTableSpec,
} from './suite.js';
export {
  evaluateSuite,
  expectedText,
  failingRowsSql,
  DEFAULT_SAMPLE_SIZE,
  type DqBatch,
  type EvaluateOptions,
  type RelationSql,
} from './evaluate.js';
export { snapshotColumnsSql } from './scan.js';
export {
  DQ_RESULTS_TABLE,
  DQ_DOCS_DIR,
  DQ_RESULTS_SCHEMA,
  recordOutcomes,
  readRuns,
  readRun,
  resultsLocation,
  runStopped,
  type RecordOptions,
  type RecordResult,
  type ReadRunsOptions,
} from './results.js';
export { writeRunDocs, dataDocsDir, DOCS_HISTORY, type DocsPaths } from './data-docs.js';
export { DqGate, criticalFailures, type DqOptions, type GateContext } from './gate.js';
export { runDq, type RunDqOptions, type RunDqResult } from './run-dq.js';
