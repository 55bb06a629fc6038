// `pitwall train`: the driving-style forest from a gold dataset, tracked in MLflow's format,
// optionally registered under an alias (`--register driving-style --alias production`).
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { writeLine, type CliContext } from '../context.js';
import { formatTable } from '../format.js';
import { invalidOption, parseChoiceOption, parseIntegerOption } from '../options.js';
import { cliSettings } from '../settings.js';
import { DEFAULT_DATASET_DIR, DEFAULT_LAKE } from './ml-dataset.js';

const EXAMPLES = `
Examples:
  pitwall train                                           # 300 trees, depth 12, balanced; run in ./mlruns
  pitwall train --register driving-style --alias production
  pitwall train --trees 100 --max-depth 8 --json
  MLFLOW_TRACKING_URI=http://127.0.0.1:5000 pitwall train --register driving-style`;

/** MLflow's alias rule: letters, digits, '_' and '-', not starting with 'v<digits>' or 'latest'. */
const ALIAS = /^[A-Za-z0-9_-]{1,255}$/;
const MODEL_NAME = /^[A-Za-z0-9][A-Za-z0-9._ -]{0,254}$/;

interface RawTrainOptions {
  dataset?: string;
  lake?: string;
  trees?: string;
  maxDepth?: string;
  classWeight?: string;
  seed?: string;
  jobs?: string;
  experiment?: string;
  runName?: string;
  register?: string;
  alias?: string;
  trackingUri?: string;
  json?: boolean;
  quiet?: boolean;
}

/** Registers `train` on `program`. */
export function registerTrain(program: Command, context: CliContext): void {
  const train = program
    .command('train')
    .description('train the driving-style random forest on a gold dataset and track the run')
    .option(
      '--dataset <dir>',
      `dataset folder (default: ${DEFAULT_DATASET_DIR}; built from --lake when missing)`,
    )
    .option(
      '--lake <dir>',
      `lake to build the dataset from when it is missing (default: ${DEFAULT_LAKE})`,
    )
    .option('--trees <n>', 'number of trees (default: 300)')
    .option('--max-depth <n>', 'maximum tree depth (default: 12)')
    .option('--class-weight <w>', 'balanced or none (default: balanced)')
    .option('--seed <n>', 'random_state of the forest (default: 42)')
    .option('--jobs <n>', 'worker threads (default: the number of cores)')
    .option('--experiment <name>', 'MLflow experiment (default: driving-style)')
    .option('--run-name <name>', 'MLflow run name (default: generated)')
    .option('--register <name>', 'register the model under this name')
    .option(
      '--alias <alias>',
      'with --register: move this alias (e.g. production) to the new version',
    )
    .option(
      '--tracking-uri <uri>',
      'folder, file: URI or http(s) server (default: MLFLOW_TRACKING_URI, then ./mlruns)',
    )
    .option('--json', 'print the result as JSON on stdout')
    .option('--quiet', 'no progress lines on stderr')
    .addHelpText('after', EXAMPLES)
    .action(async () => {
      const o = train.opts<RawTrainOptions>();
      const settings = cliSettings(context.io.env);
      const datasetDir = o.dataset ?? path.join(settings.home, 'datasets', 'driving-style');
      if (datasetDir.trim() === '') throw invalidOption('--dataset', 'a folder path', datasetDir);
      const lakeRoot = o.lake ?? settings.lake.root;
      const nEstimators = parseIntegerOption('--trees', o.trees ?? '300', { min: 1, max: 10_000 });
      const maxDepth = parseIntegerOption('--max-depth', o.maxDepth ?? '12', { min: 1, max: 64 });
      const classWeight = parseChoiceOption('--class-weight', o.classWeight ?? 'balanced', [
        'balanced',
        'none',
      ] as const);
      const randomState = parseIntegerOption('--seed', o.seed ?? '42', {
        min: 0,
        max: 2 ** 31 - 1,
      });
      const nJobs =
        o.jobs === undefined
          ? undefined
          : parseIntegerOption('--jobs', o.jobs, { min: 1, max: 256 });
      if (o.alias !== undefined && o.register === undefined) {
        throw invalidOption('--alias', 'used with --register NAME', o.alias);
      }
      if (o.register !== undefined && !MODEL_NAME.test(o.register)) {
        throw invalidOption(
          '--register',
          "a model name (letters, digits, '.', '_', '-', spaces)",
          o.register,
        );
      }
      if (o.alias !== undefined && (!ALIAS.test(o.alias) || /^(v\d+|latest)$/i.test(o.alias))) {
        throw invalidOption(
          '--alias',
          "an alias of letters, digits, '_' and '-' (not 'latest' or 'v<number>')",
          o.alias,
        );
      }
      const { io } = context;
      const say = (message: string): void => {
        if (o.quiet !== true) writeLine(io.stderr, `train: ${message}`);
      };
      if (!existsSync(path.join(datasetDir, 'dataset.json'))) {
        say(`no dataset in ${datasetDir}: building it from ${lakeRoot}`);
        const { buildDataset } = await import('../../ml/dataset/index.js');
        await buildDataset({
          lakeRoot,
          outDir: datasetDir,
          onProgress: (m) => say(`dataset: ${m}`),
        });
      }
      const { trainModel } = await import('../../ml/train.js');
      let lastTrees = -1;
      const result = await trainModel({
        datasetDir,
        env: io.env,
        forest: {
          nEstimators,
          maxDepth,
          classWeight: classWeight === 'none' ? null : 'balanced',
          randomState,
          ...(nJobs === undefined ? {} : { nJobs }),
        },
        ...(o.trackingUri === undefined ? {} : { trackingUri: o.trackingUri }),
        ...(o.experiment === undefined ? {} : { experimentName: o.experiment }),
        ...(o.runName === undefined ? {} : { runName: o.runName }),
        ...(o.register === undefined ? {} : { register: o.register }),
        ...(o.alias === undefined ? {} : { alias: o.alias }),
        onProgress: say,
        onFitProgress: (p) => {
          // A line per tenth of the forest: enough to see it move, few enough for a log.
          const tenth = Math.floor((10 * p.treesDone) / p.nTrees);
          if (tenth === lastTrees || p.treesDone === 0) return;
          lastTrees = tenth;
          say(`${p.treesDone}/${p.nTrees} trees in ${p.elapsedS.toFixed(1)} s`);
        },
      });
      if (o.json === true) {
        writeLine(io.stdout, JSON.stringify(result, null, 2));
        return;
      }
      const m = result.metrics;
      writeLine(
        io.stdout,
        formatTable(m.perClass, [
          { header: 'class', value: (c) => c.label },
          { header: 'precision', value: (c) => c.precision.toFixed(3), align: 'right' },
          { header: 'recall', value: (c) => c.recall.toFixed(3), align: 'right' },
          { header: 'f1', value: (c) => c.f1.toFixed(3), align: 'right' },
          { header: 'support', value: (c) => String(c.support), align: 'right' },
        ]),
      );
      const auc =
        m.rocAuc === undefined
          ? ''
          : `, ROC AUC ${m.rocAuc.positiveClass}-vs-rest ${m.rocAuc.value.toFixed(3)}`;
      writeLine(
        io.stdout,
        `accuracy ${m.accuracy.toFixed(3)}, balanced accuracy ${m.balancedAccuracy.toFixed(3)}, macro F1 ${m.macroF1.toFixed(3)}${auc}`,
      );
      writeLine(
        io.stdout,
        `run ${result.runId} in ${result.trackingUri}; model ${result.modelUri}`,
      );
      if (result.registered !== undefined) {
        const r = result.registered;
        writeLine(
          io.stdout,
          `registered ${r.name} version ${r.version}${r.alias === undefined ? '' : ` (models:/${r.name}@${r.alias})`}`,
        );
      }
    });
}
