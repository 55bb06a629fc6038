// The model file: a round trip gives identical probabilities; damaged, foreign or future
// files are refused with a clear error.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MlError } from '../../src/errors.js';
import { MODEL_FORMAT_VERSION, RandomForestClassifier } from '../../src/ml/index.js';
import { blobs, randomStream } from './forest-data.js';

describe('model file', () => {
  let dir = '';
  let forest: RandomForestClassifier;
  const train = blobs(800, 21);
  const testSet = blobs(300, 22);
  // A few missing values, so the missing-value routing is part of what must survive.
  const { uniform } = randomStream(23);
  for (let r = 0; r < train.X.rows; r++) if (uniform() < 0.05) train.X.data[r * 4 + 1] = Number.NaN;
  for (let r = 0; r < testSet.X.rows; r++)
    if (uniform() < 0.05) testSet.X.data[r * 4 + 1] = Number.NaN;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pitwall-forest-'));
    forest = new RandomForestClassifier({
      nEstimators: 12,
      maxDepth: 6,
      classWeight: 'balanced',
      randomState: 3,
      nJobs: 1,
    });
    forest.metadata = { gold_version: '17', note: 'ünïcode ✓' };
    forest.fitSync(train.X, train.y);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('toBuffer / fromBuffer: identical probabilities, classes, names, params, importances', () => {
    const bytes = forest.toBuffer();
    assert.equal(bytes.toString('latin1', 0, 4), 'PWRF');
    assert.equal(bytes.readUInt32LE(4), MODEL_FORMAT_VERSION);
    const loaded = RandomForestClassifier.fromBuffer(bytes);
    assert.deepEqual(loaded.predictProba(testSet.X), forest.predictProba(testSet.X));
    const row = Array.from({ length: 4 }, (_, c) => testSet.X.data[c]!);
    assert.deepEqual(loaded.predictProbaRow(row), forest.predictProbaRow(row));
    assert.deepEqual(loaded.classes, forest.classes);
    assert.deepEqual(loaded.featureNames, ['x', 'y', 'noise_u', 'noise_n']);
    assert.deepEqual(loaded.params, forest.params);
    assert.deepEqual(loaded.featureImportances, forest.featureImportances);
    assert.deepEqual(loaded.treeStats, forest.treeStats);
    assert.deepEqual(loaded.metadata, { gold_version: '17', note: 'ünïcode ✓' });
    assert.deepEqual(loaded.toBuffer(), bytes, 'saving a loaded model gives the same bytes');
  });

  test('save / load through a file', async () => {
    const file = path.join(dir, 'nested', 'model.pwrf');
    await forest.save(file);
    const loaded = await RandomForestClassifier.load(file);
    assert.deepEqual(loaded.predict(testSet.X), forest.predict(testSet.X));
    assert.deepEqual(loaded.predictProba(testSet.X), forest.predictProba(testSet.X));
  });

  test('a flipped byte, a cut-off file, another format and a future version are refused', async () => {
    const bytes = forest.toBuffer();
    const flipped = Buffer.from(bytes);
    flipped[Math.floor(flipped.length / 2)]! ^= 0x40;
    assert.throws(
      () => RandomForestClassifier.fromBuffer(flipped),
      (error: unknown) => error instanceof MlError && /checksum does not match/.test(error.message),
    );
    assert.throws(
      () => RandomForestClassifier.fromBuffer(bytes.subarray(0, bytes.length - 100)),
      /checksum/,
    );
    assert.throws(
      () => RandomForestClassifier.fromBuffer(Buffer.from('PAR1 not a model')),
      /does not start with "PWRF"/,
    );
    assert.throws(() => RandomForestClassifier.fromBuffer(Buffer.alloc(3)), /too short/);
    const future = Buffer.from(bytes);
    future.writeUInt32LE(MODEL_FORMAT_VERSION + 1, 4);
    assert.throws(
      () => RandomForestClassifier.fromBuffer(future),
      new RegExp(`format version ${MODEL_FORMAT_VERSION + 1} is not supported`),
    );
    const file = path.join(dir, 'broken.pwrf');
    await writeFile(file, flipped);
    await assert.rejects(RandomForestClassifier.load(file), (error: unknown) => {
      return (
        error instanceof MlError &&
        error.message.startsWith(`${file}: not a readable Pitwall model file`)
      );
    });
    await assert.rejects(
      RandomForestClassifier.load(path.join(dir, 'missing.pwrf')),
      /cannot read model/,
    );
  });

  test('the header is JSON that describes the sections', async () => {
    const file = path.join(dir, 'header.pwrf');
    await forest.save(file);
    const bytes = await readFile(file);
    const header = JSON.parse(bytes.toString('utf8', 12, 12 + bytes.readUInt32LE(8))) as {
      format: string;
      classes: string[];
      nTrees: number;
      sections: { name: string; offset: number }[];
    };
    assert.equal(header.format, 'pitwall-random-forest');
    assert.deepEqual(header.classes, ['aggressive', 'cautious', 'eco', 'normal']);
    assert.equal(header.nTrees, 12);
    assert.deepEqual(
      header.sections.map((s) => s.name),
      ['treeRoot', 'treeDepth', 'nodes', 'leafValues', 'featureImportances'],
    );
    for (const s of header.sections) assert.equal(s.offset % 8, 0, `${s.name} is 8-byte aligned`);
  });
});
