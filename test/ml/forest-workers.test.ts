// Trees built on worker threads: the same forest as in one thread, whether the workers load
// TypeScript sources (under tsx, as here) or compiled JavaScript (as from dist/).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { RandomForestClassifier } from '../../src/ml/index.js';
import { blobs } from './forest-data.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Compiles `entries` and every module they import (relative imports) from src/ to plain
 * JavaScript under `outDir`, keeping the folder layout, as `tsc` does for dist/.
 */
async function compile(entries: readonly string[], outDir: string): Promise<void> {
  const seen = new Set<string>();
  const queue = entries.map((entry) => path.join(ROOT, entry));
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const source = await readFile(file, 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2023,
        verbatimModuleSyntax: true,
      },
      fileName: file,
    });
    const target = path
      .join(outDir, path.relative(path.join(ROOT, 'src'), file))
      .replace(/\.ts$/, '.js');
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, outputText);
    // Value imports only: `import type` is erased and needs no file.
    for (const match of outputText.matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)) {
      queue.push(path.resolve(path.dirname(file), `${match[1]}.ts`));
    }
  }
  await writeFile(path.join(outDir, 'package.json'), '{ "type": "module" }\n');
}

function runNode(args: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    // Plain node: no tsx hooks, so the workers must load .js files.
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('RandomForestClassifier on worker threads', () => {
  const { X, y } = blobs(1500, 31);
  const options = {
    nEstimators: 9,
    maxDepth: 6,
    classWeight: 'balanced',
    randomState: 77,
  } as const;
  let dir = '';
  // fitSync builds in this thread whatever nJobs says (nJobs is saved with the model).
  const inThread = (nJobs: number): Buffer =>
    new RandomForestClassifier({ ...options, nJobs }).fitSync(X, y).toBuffer();

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'pitwall-workers-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('under tsx: 2 workers build the forest one thread builds, byte for byte', async () => {
    const seen: number[] = [];
    const forest = await new RandomForestClassifier({ ...options, nJobs: 2 }).fit(X, y, {
      onProgress: (p) => seen.push(p.treesDone),
    });
    assert.deepEqual(forest.toBuffer(), inThread(2));
    assert.deepEqual(seen, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'progress after every tree');
  });

  test('compiled JavaScript (the dist/ layout): workers load worker.js and agree', async () => {
    const out = path.join(dir, 'js');
    await compile(['src/ml/forest/random-forest.ts', 'src/ml/forest/worker.ts'], out);
    const data = path.join(dir, 'data.json');
    const model = path.join(dir, 'model.pwrf');
    await writeFile(
      data,
      JSON.stringify({ rows: X.rows, cols: X.cols, data: Array.from(X.data), y }),
    );
    const script = path.join(dir, 'fit.mjs');
    await writeFile(
      script,
      `import { readFileSync, writeFileSync } from 'node:fs';
import { RandomForestClassifier } from ${JSON.stringify(pathToFileURL(path.join(out, 'ml/forest/random-forest.js')).href)};
const d = JSON.parse(readFileSync(${JSON.stringify(data)}, 'utf8'));
const X = { rows: d.rows, cols: d.cols, data: Float64Array.from(d.data), columns: ['x', 'y', 'noise_u', 'noise_n'] };
const forest = await new RandomForestClassifier({ ...${JSON.stringify(options)}, nJobs: 2 }).fit(X, d.y);
writeFileSync(${JSON.stringify(model)}, forest.toBuffer());
`,
    );
    const result = await runNode([script]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await readFile(model), inThread(2));
  });
});
