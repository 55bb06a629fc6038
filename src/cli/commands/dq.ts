// `pitwall dq list|run|results|docs`: the expectation suites, a standalone data-quality run
// over the current tables, the recorded results and the HTML data docs.
import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { IoError, PipelineError, UsageError } from '../../errors.js';
import type { DqRun, ExpectationOutcome } from '../../pipeline/dq/model.js';
import type { ExpectationSuite } from '../../pipeline/dq/suite.js';
import { writeLine, type CliContext } from '../context.js';
import { cliSettings } from '../settings.js';
import { formatCount, formatTable } from '../format.js';
import { invalidOption } from '../options.js';

const DEFAULT_LAKE = '.pitwall/lake';

const EXAMPLES = `
Examples:
  pitwall dq list                          # the suites and their expectations
  pitwall dq run                           # check the current silver and gold tables
  pitwall dq run --suite silver_telemetry --json
  pitwall dq results                       # the latest run (pipeline or dq run)
  pitwall dq docs                          # rewrite the HTML data docs, print the index path`;

interface LakeOptions {
  lake?: string;
  json?: boolean;
}

function lakeRoot(options: LakeOptions, mustExist: boolean, env: CliContext['io']['env']): string {
  const root = options.lake ?? cliSettings(env).lake.root;
  if (root.trim() === '') throw invalidOption('--lake', 'a folder path', root);
  if (mustExist && !existsSync(root)) {
    throw new IoError(`no lake at ${root} (fill it with: pitwall ingest, pitwall pipeline run)`);
  }
  return root;
}

async function suitesFrom(dir: string | undefined): Promise<ExpectationSuite[]> {
  if (dir !== undefined && dir.trim() === '') {
    throw invalidOption('--expectations', 'a folder of suite files', dir);
  }
  const { loadSuites } = await import('../../pipeline/dq/suite.js');
  return loadSuites(dir);
}

/** Compact JSON for a table cell. */
export function cell(value: unknown, width = 48): string {
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? 'null');
  return text.length > width ? `${text.slice(0, width - 3)}...` : text;
}

function outcomeTable(outcomes: readonly ExpectationOutcome[]): string {
  return formatTable(outcomes, [
    { header: 'suite', value: (o) => o.suite },
    { header: 'expectation', value: (o) => o.id },
    { header: 'severity', value: (o) => o.severity },
    { header: 'result', value: (o) => (o.success ? 'pass' : 'FAIL') },
    {
      header: 'unexpected',
      value: (o) =>
        o.scope === 'row' || o.unexpectedCount > 0 ? formatCount(o.unexpectedCount) : '-',
      align: 'right',
    },
    { header: 'quarantined', value: (o) => formatCount(o.quarantined), align: 'right' },
    { header: 'observed', value: (o) => cell(o.observed) },
    { header: 'expected', value: (o) => cell(o.expected, 60) },
  ]);
}

function runLine(run: DqRun): string {
  const failed = run.outcomes.filter((o) => !o.success);
  const critical = failed.filter((o) => o.severity === 'critical').length;
  return (
    `run ${run.runId} started ${run.startedAt}: ${run.outcomes.length - failed.length} passed, ` +
    `${failed.length} failed${critical > 0 ? ` (${critical} critical)` : ''}`
  );
}

/** Registers `dq` and its subcommands on `program`. */
export function registerDq(program: Command, context: CliContext): void {
  const { io } = context;
  const dq = program
    .command('dq')
    .description('data quality: expectation suites, runs, results and data docs')
    .addHelpText('after', EXAMPLES);

  const list = dq
    .command('list')
    .description('print the expectation suites and their expectations')
    .option('--expectations <dir>', 'folder of suite files (default: the shipped expectations/)')
    .option('--types', 'print the supported expectation types instead')
    .option('--json', 'print JSON instead of a table')
    .action(async () => {
      const options = list.opts<{ expectations?: string; types?: boolean; json?: boolean }>();
      if (options.types === true) {
        const { EXPECTATION_TYPES } = await import('../../pipeline/dq/expectation-types.js');
        const types = Object.entries(EXPECTATION_TYPES).map(([name, spec]) => ({
          type: name,
          scope: spec.scope,
          kwargs: Object.keys((spec.kwargs as { properties: object }).properties),
          summary: spec.summary,
        }));
        if (options.json === true) {
          writeLine(io.stdout, JSON.stringify(types, null, 2));
          return;
        }
        writeLine(
          io.stdout,
          formatTable(types, [
            { header: 'type', value: (t) => t.type },
            { header: 'scope', value: (t) => t.scope },
            { header: 'kwargs', value: (t) => t.kwargs.join(', ') },
          ]),
        );
        return;
      }
      const suites = await suitesFrom(options.expectations);
      const { expectedText } = await import('../../pipeline/dq/evaluate.js');
      const rows = suites.flatMap((suite) =>
        suite.expectations.map((e) => ({
          suite: suite.name,
          table: suite.table,
          file: suite.file,
          id: e.id,
          type: e.type,
          severity: e.severity,
          scope: e.scope,
          quarantine: e.quarantine,
          expected: expectedText(e),
          kwargs: e.kwargs,
          ...(e.description === undefined ? {} : { description: e.description }),
        })),
      );
      if (options.json === true) {
        writeLine(io.stdout, JSON.stringify(rows, null, 2));
        return;
      }
      writeLine(
        io.stdout,
        formatTable(rows, [
          { header: 'suite', value: (r) => r.suite },
          { header: 'table', value: (r) => r.table },
          { header: 'expectation', value: (r) => r.id },
          { header: 'severity', value: (r) => r.severity },
          { header: 'scope', value: (r) => (r.quarantine ? 'row, quarantine' : r.scope) },
          { header: 'expected', value: (r) => cell(r.expected, 70) },
        ]),
      );
    });

  const run = dq
    .command('run')
    .description(
      'check the current tables against the suites, record the results and write the data docs; exit 1 when a critical expectation fails',
    )
    .option('--suite <name>', 'only this suite')
    .option('--lake <dir>', `lake root (default: PITWALL_LAKE, else ${DEFAULT_LAKE})`)
    .option('--expectations <dir>', 'folder of suite files (default: the shipped expectations/)')
    .option('--json', 'print the run as JSON on stdout')
    .option('--quiet', 'no progress lines on stderr')
    .action(async () => {
      const options = run.opts<
        LakeOptions & { suite?: string; expectations?: string; quiet?: boolean }
      >();
      const root = lakeRoot(options, true, io.env);
      let suites = await suitesFrom(options.expectations);
      if (options.suite !== undefined) {
        const wanted = suites.filter((s) => s.name === options.suite);
        if (wanted.length === 0) {
          throw invalidOption(
            '--suite',
            `one of ${suites.map((s) => s.name).join(', ') || '(no suites)'}`,
            options.suite,
          );
        }
        suites = wanted;
      }
      const { runDq } = await import('../../pipeline/dq/run-dq.js');
      const quiet = options.quiet === true;
      const result = await runDq({
        lakeRoot: root,
        suites,
        onProgress: (message) => {
          if (!quiet) writeLine(io.stderr, `dq: ${message}`);
        },
      });
      const { run: dqRun, docs } = result;
      if (dqRun.outcomes.length === 0) {
        throw new PipelineError(
          `no table to check under ${root}: ${suites.map((s) => s.table).join(', ')} do not exist yet (run: pitwall pipeline run)`,
        );
      }
      if (options.json === true) {
        writeLine(
          io.stdout,
          JSON.stringify(
            {
              ...dqRun,
              skipped: result.skipped.map((s) => s.name),
              dataDocs: docs?.indexPage ?? null,
            },
            null,
            2,
          ),
        );
      } else {
        writeLine(io.stdout, runLine(dqRun));
        writeLine(io.stdout, outcomeTable(dqRun.outcomes));
        if (docs !== undefined) writeLine(io.stdout, `data docs: ${docs.indexPage}`);
      }
      const { criticalFailures } = await import('../../pipeline/dq/gate.js');
      const failure = criticalFailures(dqRun.outcomes);
      if (failure !== undefined) throw new PipelineError(`dq run: ${failure}`);
    });

  const results = dq
    .command('results')
    .description('print the outcomes of a recorded run (default: the latest)')
    .option('--run <id>', 'the run id (from pipeline run or dq run)')
    .option('--lake <dir>', `lake root (default: PITWALL_LAKE, else ${DEFAULT_LAKE})`)
    .option('--json', 'print the run as JSON')
    .action(async () => {
      const options = results.opts<LakeOptions & { run?: string }>();
      const root = lakeRoot(options, true, io.env);
      if (options.run !== undefined && !/^[0-9A-Za-z-]{1,64}$/.test(options.run)) {
        throw invalidOption('--run', 'a run id such as 0b7c…-…', options.run);
      }
      const { DuckDbEngine } = await import('../../lake/index.js');
      const { readRuns, resultsLocation } = await import('../../pipeline/dq/results.js');
      const engine = new DuckDbEngine();
      try {
        const runs = await readRuns(
          root,
          engine,
          options.run === undefined ? { limit: 1 } : { runId: options.run },
        );
        const found = runs[0];
        if (found === undefined) {
          throw options.run === undefined
            ? new PipelineError(
                `no data-quality results in ${resultsLocation(root)} (run: pitwall dq run or pitwall pipeline run)`,
              )
            : new UsageError(`--run: no run ${options.run} in ${resultsLocation(root)}`);
        }
        if (options.json === true) {
          writeLine(io.stdout, JSON.stringify(found, null, 2));
          return;
        }
        writeLine(io.stdout, runLine(found));
        writeLine(io.stdout, outcomeTable(found.outcomes));
      } finally {
        engine.close();
      }
    });

  const docs = dq
    .command('docs')
    .description(
      'write the HTML data docs of the latest run from the results table; print the index path',
    )
    .option('--lake <dir>', `lake root (default: PITWALL_LAKE, else ${DEFAULT_LAKE})`)
    .action(async () => {
      const root = lakeRoot(docs.opts<LakeOptions>(), true, io.env);
      const { DuckDbEngine } = await import('../../lake/index.js');
      const { writeRunDocs } = await import('../../pipeline/dq/data-docs.js');
      const { resultsLocation } = await import('../../pipeline/dq/results.js');
      const engine = new DuckDbEngine();
      try {
        const written = await writeRunDocs(root, engine);
        if (written === undefined) {
          throw new PipelineError(
            `no data-quality results in ${resultsLocation(root)} (run: pitwall dq run or pitwall pipeline run)`,
          );
        }
        writeLine(io.stdout, written.indexPage);
      } finally {
        engine.close();
      }
    });
}
