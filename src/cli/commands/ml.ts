// `pitwall ml …`: machine-learning commands. `ml fit` trains Pitwall's random forest on any
// table (Parquet or CSV, read by DuckDB), prints progress and test metrics and saves the
// model file. Other `ml` subcommands attach to the group `registerMl` returns.
import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import type { FitProgress } from '../../ml/forest/random-forest.js';
import type { MaxFeatures, RandomForestOptions } from '../../ml/forest/options.js';
import { writeLine, type CliContext } from '../context.js';
import { formatCount, formatTable, formatWallTime } from '../format.js';
import { invalidOption, parseIntegerOption, parseNumberOption, type Range } from '../options.js';

const EXAMPLES = `
Examples:
  pitwall ml fit --data train.parquet --test test.parquet --label label --out model.pwrf
  pitwall ml fit --data gold.parquet --label label --group session_id \\
      --trees 300 --max-depth 12 --class-weight balanced --positive aggressive --out model.pwrf
  pitwall ml fit --data iris.csv --label species --json --out iris.pwrf`;

interface RawFitOptions {
  data?: string;
  label?: string;
  test?: string;
  testFraction?: string;
  group?: string;
  features?: string;
  exclude?: string;
  trees?: string;
  maxDepth?: string;
  maxFeatures?: string;
  minSamplesLeaf?: string;
  minSamplesSplit?: string;
  classWeight?: string;
  bootstrap?: boolean;
  maxBins?: string;
  jobs?: string;
  seed?: string;
  positive?: string;
  out?: string;
  json?: boolean;
  quiet?: boolean;
}

const COUNT: Range = { min: 1, max: 1_000_000 };

function list(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  const names = text
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return names.length === 0 ? undefined : names;
}

/** `--max-features sqrt|log2|all|N|0.x`. */
function parseMaxFeatures(text: string): MaxFeatures {
  if (text === 'sqrt' || text === 'log2' || text === 'all') return text;
  const expectation = 'sqrt, log2, all, a whole number >= 1 or a fraction between 0 and 1';
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n >= 1) return n;
  } else if (/^0?\.\d+$/.test(text)) {
    const x = Number(text);
    if (x > 0 && x < 1) return x;
  }
  throw invalidOption('--max-features', expectation, text);
}

/** `--class-weight balanced|none|label=weight,…`. */
function parseClassWeight(text: string): RandomForestOptions['classWeight'] {
  if (text === 'balanced') return 'balanced';
  if (text === 'none') return null;
  const map: Record<string, number> = {};
  for (const part of text.split(',')) {
    const at = part.lastIndexOf('=');
    const weight = Number(part.slice(at + 1));
    if (at <= 0 || part.slice(at + 1).trim() === '' || !Number.isFinite(weight) || weight < 0) {
      throw invalidOption(
        '--class-weight',
        'balanced, none, or label=weight pairs such as eco=1,aggressive=2.5',
        text,
      );
    }
    map[part.slice(0, at).trim()] = weight;
  }
  return map;
}

/** The forest options given on the command line (library defaults for the rest). */
export function forestOptionsFrom(options: RawFitOptions): RandomForestOptions {
  const out: { -readonly [K in keyof RandomForestOptions]: RandomForestOptions[K] } = {};
  if (options.trees !== undefined)
    out.nEstimators = parseIntegerOption('--trees', options.trees, COUNT);
  if (options.maxDepth !== undefined) {
    out.maxDepth =
      options.maxDepth === 'none'
        ? null
        : parseIntegerOption('--max-depth', options.maxDepth, { min: 1, max: 1000 });
  }
  if (options.maxFeatures !== undefined) out.maxFeatures = parseMaxFeatures(options.maxFeatures);
  if (options.minSamplesLeaf !== undefined) {
    out.minSamplesLeaf = parseIntegerOption('--min-samples-leaf', options.minSamplesLeaf, COUNT);
  }
  if (options.minSamplesSplit !== undefined) {
    out.minSamplesSplit = parseIntegerOption('--min-samples-split', options.minSamplesSplit, {
      min: 2,
      max: 1_000_000,
    });
  }
  if (options.classWeight !== undefined) out.classWeight = parseClassWeight(options.classWeight);
  if (options.bootstrap === false) out.bootstrap = false;
  if (options.maxBins !== undefined) {
    out.maxBins = parseIntegerOption('--max-bins', options.maxBins, { min: 2, max: 255 });
  }
  if (options.jobs !== undefined)
    out.nJobs = parseIntegerOption('--jobs', options.jobs, { min: 1, max: 256 });
  out.randomState =
    options.seed === undefined
      ? 0
      : parseIntegerOption('--seed', options.seed, { min: 0, max: 2 ** 32 - 1 });
  return out;
}

/** Hash of a text with a seed (FNV-1a), for a group split that does not depend on row order. */
function groupKey(seed: number, text: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * Rows held out for testing: a `fraction` of the groups (whole groups, chosen by a seeded
 * hash) when `groups` is given, otherwise a `fraction` of the rows at random (seeded).
 */
export function holdOut(
  rows: number,
  fraction: number,
  seed: number,
  groups?: readonly string[],
): { train: Int32Array; test: Int32Array } {
  const isTest = new Uint8Array(rows);
  if (groups !== undefined) {
    const distinct = [...new Set(groups)].sort(
      (a, b) => groupKey(seed, a) - groupKey(seed, b) || (a < b ? -1 : 1),
    );
    const nTest = Math.max(1, Math.round(distinct.length * fraction));
    if (distinct.length < 2) {
      throw new UsageError('--group needs at least two groups to hold some out for testing');
    }
    const testGroups = new Set(distinct.slice(0, Math.min(nTest, distinct.length - 1)));
    groups.forEach((g, r) => (isTest[r] = testGroups.has(g) ? 1 : 0));
  } else {
    // A seeded Fisher–Yates shuffle of the row numbers; the first fraction is the test set.
    const order = Int32Array.from({ length: rows }, (_, i) => i);
    let state = (seed ^ 0x9e3779b9) >>> 0;
    for (let i = rows - 1; i > 0; i--) {
      state = (Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
      const j = state % (i + 1);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
    const nTest = Math.min(rows - 1, Math.max(1, Math.round(rows * fraction)));
    for (let k = 0; k < nTest; k++) isTest[order[k]!] = 1;
  }
  const test: number[] = [];
  const train: number[] = [];
  for (let r = 0; r < rows; r++) (isTest[r] ? test : train).push(r);
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}

/** Progress on stderr: redrawn in place on a terminal, a line per ~10 % otherwise. */
function progressReporter(context: CliContext): (p: FitProgress) => void {
  const { io } = context;
  let lastDraw = Number.NEGATIVE_INFINITY;
  let lastTenth = -1;
  return (p) => {
    const text = `training: ${formatCount(p.treesDone)}/${formatCount(p.nTrees)} trees, ${formatWallTime(p.elapsedS)}`;
    if (io.stderrIsTTY) {
      const now = performance.now();
      if (now - lastDraw < 100 && p.treesDone < p.nTrees) return;
      lastDraw = now;
      io.stderr.write(`\r\x1b[K${text}`);
      if (p.treesDone === p.nTrees) io.stderr.write('\n');
      return;
    }
    const tenth = Math.floor((10 * p.treesDone) / p.nTrees);
    if (tenth > lastTenth) {
      lastTenth = tenth;
      writeLine(io.stderr, text);
    }
  };
}

const percent = (x: number): string => `${(100 * x).toFixed(2)} %`;

/** Registers the `ml` command group and `ml fit`; returns the group for more subcommands. */
export function registerMl(program: Command, context: CliContext): Command {
  const ml = program.command('ml').description('machine learning: train and inspect models');
  const fit = ml
    .command('fit')
    .description("train Pitwall's random forest on a table (Parquet or CSV) and save the model")
    .option('--data <file>', 'training table: a .parquet or .csv file')
    .option('--label <column>', 'the column to predict')
    .option(
      '--test <file>',
      'a test table with the same columns (default: hold out part of --data)',
    )
    .option(
      '--test-fraction <x>',
      'share of --data held out when there is no --test (default 0.2; 0: none)',
    )
    .option(
      '--group <column>',
      'hold out whole groups (such as session_id), never rows of one group on both sides',
    )
    .option(
      '--features <list>',
      'feature columns, comma-separated (default: every numeric column but the label)',
    )
    .option('--exclude <list>', 'columns never used as features, comma-separated')
    .option('--trees <n>', 'trees in the forest (default 100)')
    .option('--max-depth <n>', 'maximum tree depth, or none (default none)')
    .option(
      '--max-features <x>',
      'features tried per split: sqrt, log2, all, N or a fraction (default sqrt)',
    )
    .option('--min-samples-leaf <n>', 'fewest rows in a leaf (default 1)')
    .option('--min-samples-split <n>', 'fewest rows to split a node (default 2)')
    .option('--class-weight <w>', 'balanced, none, or label=weight,… (default none)')
    .option('--no-bootstrap', 'every tree sees every row (no bootstrap samples)')
    .option('--max-bins <n>', 'histogram bins per feature, 2-255 (default 255)')
    .option('--jobs <n>', 'worker threads (default: every core)')
    .option('--seed <n>', 'random seed of the forest and the hold-out split (default 0)')
    .option('--positive <label>', 'also report the ROC AUC of this class against the rest')
    .option('--out <file>', 'where to write the model file (.pwrf)')
    .option('--json', 'print the results as JSON on stdout')
    .option('--quiet', 'no progress lines on stderr')
    .addHelpText('after', EXAMPLES)
    .action(async () => {
      const options = fit.opts<RawFitOptions>();
      const { io } = context;
      if (options.data === undefined) throw new UsageError('ml fit needs --data <file>');
      if (options.label === undefined) throw new UsageError('ml fit needs --label <column>');
      if (options.out === undefined)
        throw new UsageError('ml fit needs --out <file> for the model');
      const forestOptions = forestOptionsFrom(options);
      const seed = forestOptions.randomState ?? 0;
      const testFraction =
        options.testFraction === undefined
          ? 0.2
          : parseNumberOption('--test-fraction', options.testFraction, { min: 0, max: 0.9 });
      if (options.test !== undefined && options.testFraction !== undefined) {
        throw new UsageError('give either --test or --test-fraction, not both');
      }
      const quiet = options.quiet === true;
      const note = (text: string): void => {
        if (!quiet) writeLine(io.stderr, text);
      };
      const { RandomForestClassifier } = await import('../../ml/forest/random-forest.js');
      const { readTableData, takeRows } = await import('../../ml/forest/table-data.js');
      const { classificationMetrics } = await import('../../ml/metrics.js');
      const { DuckDbEngine } = await import('../../lake/duckdb-engine.js');
      const engine = new DuckDbEngine();
      try {
        const read = {
          label: options.label,
          features: list(options.features),
          exclude: list(options.exclude),
          group: options.test === undefined ? options.group : undefined,
          engine,
        };
        const started = performance.now();
        const data = await readTableData(options.data, read);
        note(
          `read ${options.data}: ${formatCount(data.X.rows)} rows, ${data.features.length} features` +
            (data.skipped.length > 0
              ? ` (not features: ${data.skipped.map((c) => `${c.name} ${c.type}`).join(', ')})`
              : ''),
        );
        let train = { X: data.X, y: data.y };
        let test: { X: typeof data.X; y: string[] } | undefined;
        let testSource = 'none';
        if (options.test !== undefined) {
          const other = await readTableData(options.test, {
            ...read,
            features: data.features,
            group: undefined,
          });
          test = { X: other.X, y: other.y };
          testSource = options.test;
        } else if (testFraction > 0) {
          const split = holdOut(data.X.rows, testFraction, seed, data.groups);
          train = {
            X: takeRows(data.X, split.train),
            y: Array.from(split.train, (r) => data.y[r]!),
          };
          test = { X: takeRows(data.X, split.test), y: Array.from(split.test, (r) => data.y[r]!) };
          testSource =
            options.group === undefined
              ? `${percent(testFraction)} of the rows of ${options.data}, at random`
              : `${percent(testFraction)} of the groups in ${options.group} of ${options.data}`;
          note(`test set: ${testSource} (${formatCount(test.X.rows)} rows)`);
        }
        const forest = new RandomForestClassifier(forestOptions);
        forest.metadata = { label: options.label, trainedOn: options.data };
        const fitStarted = performance.now();
        await forest.fit(train.X, train.y, quiet ? {} : { onProgress: progressReporter(context) });
        const fitSeconds = (performance.now() - fitStarted) / 1000;
        if (options.positive !== undefined && !forest.classes.includes(options.positive)) {
          throw new UsageError(
            `--positive "${options.positive}" is not a label of the training data (labels: ${forest.classes.join(', ')})`,
          );
        }
        await forest.save(options.out);
        const importances = forest.featureImportances;
        const ranked = data.features
          .map((name, k) => ({ name, importance: importances[k]! }))
          .sort((a, b) => b.importance - a.importance);
        let metrics: ReturnType<typeof classificationMetrics> | undefined;
        if (test !== undefined && test.X.rows > 0) {
          const proba = forest.predictProba(test.X);
          const predicted = forest.predict(test.X);
          metrics = classificationMetrics(test.y, predicted, {
            proba,
            classes: forest.classes,
            ...(options.positive === undefined ? {} : { positiveClass: options.positive }),
          });
        }
        const stats = forest.treeStats;
        const summary = {
          model: options.out,
          data: options.data,
          label: options.label,
          features: data.features,
          classes: forest.classes,
          trainRows: train.X.rows,
          test: { source: testSource, rows: test?.X.rows ?? 0 },
          params: forest.params,
          fitSeconds,
          totalSeconds: (performance.now() - started) / 1000,
          trees: stats,
          metrics: metrics ?? null,
          featureImportances: ranked,
        };
        if (options.json === true) {
          writeLine(io.stdout, JSON.stringify(summary, null, 2));
          return;
        }
        const lines: string[] = [
          `Trained ${stats.nTrees} trees on ${formatCount(train.X.rows)} rows × ${data.features.length} features in ${formatWallTime(fitSeconds)} (mean depth ${stats.depthMean.toFixed(1)}, ${formatCount(stats.nodes)} nodes); model written to ${options.out}`,
        ];
        if (metrics === undefined) {
          lines.push('No test set (--test-fraction 0): no metrics.');
        } else {
          lines.push(
            '',
            `Test set: ${testSource}, ${formatCount(test!.X.rows)} rows`,
            `accuracy           ${percent(metrics.accuracy)}`,
            `balanced accuracy  ${percent(metrics.balancedAccuracy)}`,
            `macro F1           ${percent(metrics.macroF1)}`,
          );
          if (metrics.rocAuc !== undefined) {
            lines.push(
              `ROC AUC ${metrics.rocAuc.positiveClass} vs rest: ${metrics.rocAuc.value.toFixed(4)}`,
            );
          }
          lines.push(
            '',
            formatTable(metrics.perClass, [
              { header: 'class', value: (s) => s.label },
              { header: 'precision', value: (s) => s.precision.toFixed(3), align: 'right' },
              { header: 'recall', value: (s) => s.recall.toFixed(3), align: 'right' },
              { header: 'F1', value: (s) => s.f1.toFixed(3), align: 'right' },
              { header: 'support', value: (s) => formatCount(s.support), align: 'right' },
            ]),
            '',
            'confusion matrix (rows: true, columns: predicted)',
            formatTable(
              metrics.confusion.labels.map((label, i) => ({
                label,
                row: metrics.confusion.matrix[i]!,
              })),
              [
                { header: '', value: (r) => r.label },
                ...metrics.confusion.labels.map((label, j) => ({
                  header: label,
                  value: (r: { row: readonly number[] }) => formatCount(r.row[j]!),
                  align: 'right' as const,
                })),
              ],
            ),
          );
        }
        lines.push(
          '',
          formatTable(ranked.slice(0, 10), [
            { header: 'feature', value: (f) => f.name },
            { header: 'importance', value: (f) => f.importance.toFixed(4), align: 'right' },
          ]),
        );
        writeLine(io.stdout, lines.join('\n'));
      } finally {
        engine.close();
      }
    });
  return ml;
}
