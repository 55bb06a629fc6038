// Generates the gold SQL from the feature spec (src/pipeline/gold/feature-spec.ts):
//   sql/gold/features.sql        DuckDB, what `pitwall pipeline run` executes
//   sql/gold/features.spark.sql  Spark SQL, for the Spark comparison benchmark
// `npm run sql:gold` writes them; `npm run sql:gold -- --check` exits 1 when either is out
// of date (CI runs it with the lint).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PACKAGE_ROOT } from '../src/paths.js';
import { goldFeaturesSql } from '../src/pipeline/gold/sql.js';

const SQL_DIR = path.join(PACKAGE_ROOT, 'sql', 'gold');
const FILES = [
  { file: path.join(SQL_DIR, 'features.sql'), text: goldFeaturesSql({ dialect: 'duckdb' }) },
  { file: path.join(SQL_DIR, 'features.spark.sql'), text: goldFeaturesSql({ dialect: 'spark' }) },
];

const { values } = parseArgs({ options: { check: { type: 'boolean', default: false } } });
let stale = 0;
for (const { file, text } of FILES) {
  const current = existsSync(file) ? readFileSync(file, 'utf8') : undefined;
  if (current === text) continue;
  if (values.check) {
    console.error(`${path.relative(PACKAGE_ROOT, file)} is out of date: run npm run sql:gold`);
    stale++;
  } else {
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, text);
    console.log(`wrote ${path.relative(PACKAGE_ROOT, file)}`);
  }
}
process.exitCode = stale > 0 ? 1 : 0;
