// `pitwall ml dataset`: gold → train/test Parquet split by session, with a manifest.
import path from 'node:path';
import type { Command } from 'commander';
import { writeLine, type CliContext } from '../context.js';
import { formatCount, formatTable } from '../format.js';
import { invalidOption, parseIntegerOption, parseNumberOption } from '../options.js';
import { cliSettings } from '../settings.js';

export const DEFAULT_LAKE = '.pitwall/lake';
export const DEFAULT_DATASET_DIR = '.pitwall/datasets/driving-style';

const EXAMPLES = `
Examples:
  pitwall ml dataset                                 # gold of .pitwall/lake, seed 42, 80/20
  pitwall ml dataset --seed 7 --test-fraction 0.25 --out data/ds
  pitwall ml dataset --json                          # the manifest on stdout`;

interface RawDatasetOptions {
  lake?: string;
  out?: string;
  seed?: string;
  testFraction?: string;
  force?: boolean;
  json?: boolean;
  quiet?: boolean;
}

/** Adds `dataset` to the `ml` command group. */
export function registerMlDataset(ml: Command, context: CliContext): void {
  const dataset = ml
    .command('dataset')
    .description('split gold features into train/test Parquet by session (stratified, seeded)')
    .option('--lake <dir>', `lake root (default: PITWALL_LAKE, else ${DEFAULT_LAKE})`)
    .option(
      '--out <dir>',
      `output folder (default: <PITWALL_HOME>/datasets/driving-style, i.e. ${DEFAULT_DATASET_DIR})`,
    )
    .option('--seed <n>', 'seed of the split (default: 42)')
    .option(
      '--test-fraction <x>',
      "share of each profile's sessions in the test set (default: 0.2)",
    )
    .option('--force', 'rebuild even when the folder holds this gold version already')
    .option('--json', 'print the manifest as JSON on stdout')
    .option('--quiet', 'no progress lines on stderr')
    .addHelpText('after', EXAMPLES)
    .action(async () => {
      const options = dataset.opts<RawDatasetOptions>();
      const settings = cliSettings(context.io.env);
      const lakeRoot = options.lake ?? settings.lake.root;
      if (lakeRoot.trim() === '') throw invalidOption('--lake', 'a folder path', lakeRoot);
      const outDir = options.out ?? path.join(settings.home, 'datasets', 'driving-style');
      if (outDir.trim() === '') throw invalidOption('--out', 'a folder path', outDir);
      const seed =
        options.seed === undefined
          ? undefined
          : parseIntegerOption('--seed', options.seed, { min: 0, max: Number.MAX_SAFE_INTEGER });
      const testFraction =
        options.testFraction === undefined
          ? undefined
          : parseNumberOption('--test-fraction', options.testFraction, {
              min: 0.01,
              max: 0.99,
            });
      const { io } = context;
      const { buildDataset } = await import('../../ml/dataset/index.js');
      const result = await buildDataset({
        lakeRoot,
        outDir,
        seed,
        testFraction,
        force: options.force === true,
        onProgress: (message) => {
          if (options.quiet !== true) writeLine(io.stderr, `dataset: ${message}`);
        },
      });
      const { manifest } = result;
      if (options.json === true) {
        writeLine(io.stdout, JSON.stringify({ ...result, manifest }, null, 2));
        return;
      }
      const labels = [
        ...new Set([
          ...Object.keys(manifest.splits.train.classes),
          ...Object.keys(manifest.splits.test.classes),
        ]),
      ].sort();
      const rows = labels.map((label) => ({
        label,
        train: manifest.splits.train.classes[label],
        test: manifest.splits.test.classes[label],
      }));
      writeLine(
        io.stdout,
        formatTable(rows, [
          { header: 'label', value: (r) => r.label },
          {
            header: 'train sessions',
            value: (r) => formatCount(r.train?.sessions ?? 0),
            align: 'right',
          },
          { header: 'train rows', value: (r) => formatCount(r.train?.rows ?? 0), align: 'right' },
          {
            header: 'test sessions',
            value: (r) => formatCount(r.test?.sessions ?? 0),
            align: 'right',
          },
          { header: 'test rows', value: (r) => formatCount(r.test?.rows ?? 0), align: 'right' },
        ]),
      );
      writeLine(
        io.stdout,
        `${result.reused ? 'kept' : 'wrote'} ${result.files.train}, ${result.files.test} and ${result.files.manifest} ` +
          `(gold v${manifest.source.version}, ${manifest.features.length} features, seed ${manifest.seed})`,
      );
    });
}
