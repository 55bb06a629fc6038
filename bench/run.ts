// The benchmark harness: `npm run bench -- <name> [options]` runs `bench/<name>.ts` and
// prints its figures as one JSON object on the last line of stdout; with no name it
// lists the benchmarks. Bad input exits 2 with a one-line reason on stderr.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError } from '../src/errors.js';
import type { BenchmarkModule } from './lib.js';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
/** Files in bench/ that are not benchmarks. */
const NOT_BENCHMARKS = new Set(['run', 'lib']);

function benchmarkNames(): string[] {
  return readdirSync(BENCH_DIR)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => file.slice(0, -3))
    .filter((name) => !NOT_BENCHMARKS.has(name))
    .sort();
}

async function load(name: string): Promise<BenchmarkModule> {
  const module = (await import(
    pathToFileURL(path.join(BENCH_DIR, `${name}.ts`)).href
  )) as Partial<BenchmarkModule>;
  if (typeof module.run !== 'function' || typeof module.description !== 'string') {
    throw new Error(`bench/${name}.ts does not export run() and description`);
  }
  return module as BenchmarkModule;
}

async function list(): Promise<void> {
  const names = benchmarkNames();
  const modules = await Promise.all(names.map(load));
  const width = Math.max(...names.map((n) => n.length));
  console.log('usage: npm run bench -- <name> [options]   (<name> --help for options)\n');
  names.forEach((name, k) => console.log(`  ${name.padEnd(width)}  ${modules[k]!.description}`));
}

async function main(argv: readonly string[]): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'list') {
    await list();
    return 0;
  }
  const names = benchmarkNames();
  if (!names.includes(name)) {
    console.error(`unknown benchmark "${name}" (available: ${names.join(', ')})`);
    return 2;
  }
  const benchmark = await load(name);
  if (args.includes('--help') || args.includes('-h')) {
    console.log(`npm run bench -- ${name} [options]\n\n${benchmark.description}\n`);
    if (benchmark.usage) console.log(benchmark.usage);
    return 0;
  }
  try {
    const figures = await benchmark.run(args);
    // The contract other tools rely on: the last line of stdout is the figures as JSON.
    console.log(JSON.stringify({ name, ...figures }));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`bench ${name}: ${error.message}`);
      return 2;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
