// Reading a snapshot's columns for an expectation pass: straight from the Parquet files when
// no partition column is needed (no join of file names to partition values), else the
// lake's typed scan.
import { activeFilePaths, scanSql, type Snapshot } from '../../lake/index.js';
import { quoteIdentifier, quoteLiteral } from '../../lake/schema.js';

/** A DuckDB `SELECT` of `columns` (at least a constant when none) over the snapshot's rows. */
export function snapshotColumnsSql(snapshot: Snapshot, columns: readonly string[]): string {
  const list = columns.length === 0 ? ['1 AS __dq_one'] : columns.map(quoteIdentifier);
  const partitioned = new Set(snapshot.partitionColumns);
  if (snapshot.files.length === 0 || columns.some((c) => partitioned.has(c))) {
    return `SELECT ${list.join(', ')} FROM (${scanSql(snapshot)}) AS __dq_scan`;
  }
  const files = activeFilePaths(snapshot).map(quoteLiteral).join(', ');
  return `SELECT ${list.join(', ')} FROM read_parquet([${files}], union_by_name = true)`;
}
