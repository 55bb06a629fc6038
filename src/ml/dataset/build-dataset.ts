// `pitwall ml dataset`: gold features + label → train.parquet / test.parquet and a manifest.
// The split is by session (a session's windows overlap, so windows of one session in both
// sets would leak), stratified by label at session level, and deterministic from a seed:
// each session's place depends only on (seed, session_id), not on row order or other
// sessions. Rows never pass through JavaScript: DuckDB reads gold and writes the Parquet.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MlError, TableNotFoundError } from '../../errors.js';
import { DeltaTable, DuckDbEngine, scanSql, type Snapshot } from '../../lake/index.js';
import { quoteIdentifier, quoteLiteral } from '../../lake/schema.js';
import { GOLD_KEY_COLUMNS, GOLD_LABEL_COLUMN, GOLD_TABLES } from '../../pipeline/gold/index.js';

export const DATASET_FORMAT = 'pitwall-dataset';
export const DATASET_FORMAT_VERSION = 1;
export const DATASET_MANIFEST = 'dataset.json';
export const DATASET_FILES = { train: 'train.parquet', test: 'test.parquet' } as const;
export type SplitName = keyof typeof DATASET_FILES;

export interface BuildDatasetOptions {
  /** Lake root holding `gold/features`. */
  readonly lakeRoot: string;
  /** Folder for train.parquet, test.parquet and dataset.json (created if missing). */
  readonly outDir: string;
  /** Seed of the split (default 42). */
  readonly seed?: number;
  /** Share of each label's sessions that goes to the test set, in (0, 1) (default 0.2). */
  readonly testFraction?: number;
  /** Rebuild even when the folder already holds this gold version, seed and fraction. */
  readonly force?: boolean;
  /** A DuckDB engine to use; by default one is started and closed. */
  readonly engine?: DuckDbEngine;
  readonly onProgress?: (message: string) => void;
}

export interface ClassCount {
  readonly rows: number;
  readonly sessions: number;
}

export interface SplitSummary {
  readonly file: string;
  readonly rows: number;
  readonly sessions: number;
  /** Label → rows and sessions of that label in this split. */
  readonly classes: Readonly<Record<string, ClassCount>>;
}

export interface FeatureStats {
  readonly name: string;
  /** Finite values in the train split (null and NaN count as missing). */
  readonly count: number;
  readonly nulls: number;
  readonly mean: number | null;
  readonly std: number | null;
  readonly min: number | null;
  readonly max: number | null;
}

/** dataset.json: what the two Parquet files hold and where they came from. */
export interface DatasetManifest {
  readonly format: typeof DATASET_FORMAT;
  readonly formatVersion: number;
  readonly source: { readonly table: string; readonly lake: string; readonly version: number };
  readonly seed: number;
  readonly testFraction: number;
  readonly label: string;
  /** Feature columns, in gold order (the model's input order). */
  readonly features: readonly string[];
  /** Columns kept beside features and label to trace rows back (session, time). */
  readonly keyColumns: readonly string[];
  /** Gold rows left out because their session has no driver profile (no session_start). */
  readonly unlabeled: { readonly rows: number; readonly sessions: number };
  readonly splits: Readonly<Record<SplitName, SplitSummary>>;
  /** Statistics of each feature over the train split. */
  readonly featureStats: readonly FeatureStats[];
}

export interface BuildDatasetResult {
  readonly manifest: DatasetManifest;
  /** Absolute paths of the files. */
  readonly files: Readonly<Record<SplitName | 'manifest', string>>;
  /** True when an existing dataset for the same gold version, seed and fraction was kept. */
  readonly reused: boolean;
}

interface SessionLabel {
  readonly sessionId: string;
  readonly label: string;
  readonly rows: number;
}

/** The session's sort key within its label: a hash of seed and id, independent of order. */
function splitKey(seed: number, sessionId: string): string {
  return createHash('sha256').update(`${seed}\u0000${sessionId}`).digest('hex');
}

/**
 * Assigns each session to train or test: per label, sessions sorted by `splitKey`, the
 * first round(n × fraction) (at least one when the label has two or more sessions) to test.
 */
export function splitSessions(
  sessions: readonly { readonly sessionId: string; readonly label: string }[],
  seed: number,
  testFraction: number,
): Map<string, SplitName> {
  const byLabel = new Map<string, string[]>();
  for (const s of sessions) {
    const list = byLabel.get(s.label) ?? [];
    list.push(s.sessionId);
    byLabel.set(s.label, list);
  }
  const out = new Map<string, SplitName>();
  for (const ids of byLabel.values()) {
    const keyed = ids.map((id) => ({ id, key: splitKey(seed, id) }));
    keyed.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    const n = keyed.length;
    const nTest = n < 2 ? 0 : Math.min(n - 1, Math.max(1, Math.round(n * testFraction)));
    keyed.forEach((s, i) => out.set(s.id, i < nTest ? 'test' : 'train'));
  }
  return out;
}

function checkOptions(options: BuildDatasetOptions): { seed: number; testFraction: number } {
  const seed = options.seed ?? 42;
  const testFraction = options.testFraction ?? 0.2;
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new MlError(`dataset seed must be a whole number >= 0, got ${String(seed)}`);
  }
  if (!(testFraction > 0 && testFraction < 1)) {
    throw new MlError(`test fraction must be between 0 and 1 (exclusive), got ${testFraction}`);
  }
  if (options.outDir.trim() === '') throw new MlError('dataset output folder is empty');
  return { seed, testFraction };
}

async function readManifest(file: string): Promise<DatasetManifest | undefined> {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<DatasetManifest>;
    return parsed.format === DATASET_FORMAT ? (parsed as DatasetManifest) : undefined;
  } catch {
    return undefined;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Reads a dataset's manifest, with a clear error when the folder holds none. */
export async function loadDatasetManifest(dir: string): Promise<DatasetManifest> {
  const file = path.join(dir, DATASET_MANIFEST);
  const manifest = await readManifest(file);
  if (manifest === undefined) {
    throw new MlError(
      `no dataset at ${dir} (expected ${DATASET_MANIFEST}; build one with: pitwall ml dataset)`,
    );
  }
  if (manifest.formatVersion > DATASET_FORMAT_VERSION) {
    throw new MlError(
      `${file} is dataset format ${manifest.formatVersion}; this Pitwall reads up to ${DATASET_FORMAT_VERSION}`,
    );
  }
  return manifest;
}

async function openGold(lakeRoot: string, engine: DuckDbEngine): Promise<DeltaTable> {
  const location = path.join(lakeRoot, GOLD_TABLES.features);
  try {
    return await DeltaTable.open(location, { engine });
  } catch (error) {
    if (error instanceof TableNotFoundError) {
      throw new MlError(`no gold table at ${location} (build it with: pitwall pipeline run)`, {
        cause: error,
      });
    }
    throw error;
  }
}

function num(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/**
 * Builds (or reuses) the train/test dataset of the gold table under `lakeRoot`.
 *
 * @example
 * const { manifest } = await buildDataset({ lakeRoot: '.pitwall/lake', outDir: '.pitwall/datasets/driving-style' });
 * console.log(manifest.splits.train.rows, manifest.splits.test.rows);
 */
export async function buildDataset(options: BuildDatasetOptions): Promise<BuildDatasetResult> {
  const { seed, testFraction } = checkOptions(options);
  const outDir = path.resolve(options.outDir);
  const lake = path.resolve(options.lakeRoot);
  const files = {
    train: path.join(outDir, DATASET_FILES.train),
    test: path.join(outDir, DATASET_FILES.test),
    manifest: path.join(outDir, DATASET_MANIFEST),
  };
  const progress = options.onProgress ?? (() => {});
  const engine = options.engine ?? new DuckDbEngine();
  try {
    const gold = await openGold(lake, engine);
    let snapshot: Snapshot;
    try {
      snapshot = await gold.snapshot();
    } finally {
      gold.close();
    }
    const previous = await readManifest(files.manifest);
    if (
      options.force !== true &&
      previous !== undefined &&
      previous.source.lake === lake &&
      previous.source.version === snapshot.version &&
      previous.seed === seed &&
      previous.testFraction === testFraction &&
      (await exists(files.train)) &&
      (await exists(files.test))
    ) {
      progress(`dataset for gold v${snapshot.version} (seed ${seed}) already in ${outDir}`);
      return { manifest: previous, files, reused: true };
    }

    const names = snapshot.schema.fields.map((f) => f.name);
    if (!names.includes(GOLD_LABEL_COLUMN)) {
      throw new MlError(`gold table at ${gold.uri} has no '${GOLD_LABEL_COLUMN}' column`);
    }
    const keys: readonly string[] = GOLD_KEY_COLUMNS;
    const keyColumns = keys.filter((c) => names.includes(c));
    const features = snapshot.schema.fields
      .filter((f) => f.type === 'double' && !keys.includes(f.name))
      .map((f) => f.name);
    if (features.length === 0)
      throw new MlError(`gold table at ${gold.uri} has no feature columns`);

    return await engine.withConnection(async (connection) => {
      await connection.run(`CREATE OR REPLACE TEMP VIEW ml_gold AS ${scanSql(snapshot)}`);
      const label = quoteIdentifier(GOLD_LABEL_COLUMN);
      const sessionRows = (
        await connection.runAndReadAll(
          `SELECT session_id, ${label}, count(*) FROM ml_gold GROUP BY ALL ORDER BY session_id`,
        )
      ).getRows();
      const labelled: SessionLabel[] = [];
      let unlabeledRows = 0;
      let unlabeledSessions = 0;
      for (const [sessionId, value, rows] of sessionRows) {
        if (value === null) {
          unlabeledRows += Number(rows);
          unlabeledSessions++;
        } else {
          labelled.push({ sessionId: String(sessionId), label: String(value), rows: Number(rows) });
        }
      }
      if (labelled.length === 0) {
        throw new MlError(
          `gold v${snapshot.version} has no labelled rows: its sessions have no driver profile (did the session_start events reach silver?)`,
        );
      }
      const assignment = splitSessions(labelled, seed, testFraction);
      if (![...assignment.values()].includes('test')) {
        throw new MlError(
          `cannot split gold v${snapshot.version} by session: every driver profile has a single session (need at least 2 sessions of a profile)`,
        );
      }
      progress(
        `gold v${snapshot.version}: ${labelled.length} labelled sessions, ${features.length} features; splitting ${Math.round((1 - testFraction) * 100)}/${Math.round(testFraction * 100)} by session (seed ${seed})`,
      );
      await connection.run(
        'CREATE OR REPLACE TEMP TABLE ml_split (session_id VARCHAR PRIMARY KEY, split VARCHAR NOT NULL)',
      );
      const values = [...assignment].map(([id, split]) => `(${quoteLiteral(id)}, '${split}')`);
      for (let i = 0; i < values.length; i += 1000) {
        await connection.run(`INSERT INTO ml_split VALUES ${values.slice(i, i + 1000).join(', ')}`);
      }

      await mkdir(outDir, { recursive: true });
      const columns = [...keyColumns, ...features, GOLD_LABEL_COLUMN].map(quoteIdentifier);
      const splits: Partial<Record<SplitName, SplitSummary>> = {};
      for (const split of ['train', 'test'] as const) {
        const members = labelled.filter((s) => assignment.get(s.sessionId) === split);
        const classes: Record<string, { rows: number; sessions: number }> = {};
        for (const s of members) {
          const c = (classes[s.label] ??= { rows: 0, sessions: 0 });
          c.rows += s.rows;
          c.sessions++;
        }
        const sorted = Object.fromEntries(
          Object.entries(classes).sort(([a], [b]) => (a < b ? -1 : 1)),
        );
        const summary: SplitSummary = {
          file: DATASET_FILES[split],
          rows: members.reduce((sum, s) => sum + s.rows, 0),
          sessions: members.length,
          classes: sorted,
        };
        const meta = JSON.stringify({
          split,
          gold_version: snapshot.version,
          seed,
          test_fraction: testFraction,
          rows: summary.rows,
          sessions: summary.sessions,
        });
        const tmp = `${files[split]}.tmp`;
        await connection.run(
          `COPY (SELECT ${columns.join(', ')} FROM ml_gold JOIN ml_split USING (session_id)
                 WHERE split = '${split}' AND ${label} IS NOT NULL
                 ORDER BY session_id, window_end)
           TO ${quoteLiteral(tmp)} (FORMAT parquet, COMPRESSION zstd,
              KV_METADATA {'pitwall.dataset': ${quoteLiteral(meta)}})`,
        );
        await rename(tmp, files[split]);
        splits[split] = summary;
        progress(
          `${split}: ${summary.rows} rows from ${summary.sessions} sessions → ${files[split]}`,
        );
      }

      const aggregates = features.flatMap((f) => {
        const c = quoteIdentifier(f);
        // NaN (a statistic undefined for a window) counts as missing, like null.
        const finite = `FILTER (WHERE isfinite(${c}))`;
        return [
          `count(${c}) ${finite}`,
          `avg(${c}) ${finite}`,
          `stddev_samp(${c}) ${finite}`,
          `min(${c}) ${finite}`,
          `max(${c}) ${finite}`,
        ];
      });
      const statRow =
        (
          await connection.runAndReadAll(
            `SELECT count(*), ${aggregates.join(', ')} FROM read_parquet(${quoteLiteral(files.train)})`,
          )
        ).getRows()[0] ?? [];
      const trainRows = Number(statRow[0] ?? 0);
      const featureStats: FeatureStats[] = features.map((name, i) => {
        const at = 1 + i * 5;
        const count = Number(statRow[at] ?? 0);
        return {
          name,
          count,
          nulls: trainRows - count,
          mean: num(statRow[at + 1]),
          std: num(statRow[at + 2]),
          min: num(statRow[at + 3]),
          max: num(statRow[at + 4]),
        };
      });
      const manifest: DatasetManifest = {
        format: DATASET_FORMAT,
        formatVersion: DATASET_FORMAT_VERSION,
        source: { table: GOLD_TABLES.features, lake, version: snapshot.version },
        seed,
        testFraction,
        label: GOLD_LABEL_COLUMN,
        features,
        keyColumns,
        unlabeled: { rows: unlabeledRows, sessions: unlabeledSessions },
        splits: splits as Record<SplitName, SplitSummary>,
        featureStats,
      };
      const tmp = `${files.manifest}.tmp`;
      await writeFile(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
      await rename(tmp, files.manifest);
      await connection.run('DROP TABLE IF EXISTS ml_split; DROP VIEW IF EXISTS ml_gold');
      return { manifest, files, reused: false };
    });
  } catch (error) {
    await rm(`${files.manifest}.tmp`, { force: true });
    throw error;
  } finally {
    if (options.engine === undefined) engine.close();
  }
}
