// `pitwall lake stats`: the Delta tables under a lake root with their version, file count,
// rows and bytes, read from each table's log (statistics), not by scanning data files.
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { IoError } from '../errors.js';
import { DeltaTable, DuckDbEngine, LOG_DIR, decodeStats, scanSql } from '../lake/index.js';

export interface TableStats {
  /** Path relative to the lake root, with `/` separators. */
  readonly table: string;
  readonly version: number;
  readonly files: number;
  readonly rows: number;
  readonly bytes: number;
}

/** Folders under `root` holding a `_delta_log` (not looking inside tables). */
export async function findTables(root: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (dir: string, depth: number): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true });
    if (entries.some((e) => e.isDirectory() && e.name === LOG_DIR)) {
      found.push(dir);
      return;
    }
    if (depth >= 8) return;
    for (const entry of entries) {
      if (entry.isDirectory() && !entry.name.startsWith('.') && !entry.name.startsWith('_')) {
        await walk(path.join(dir, entry.name), depth + 1);
      }
    }
  };
  await walk(root, 0);
  return found.sort();
}

/** Statistics of every table under `root`; an IoError when `root` is not a readable folder. */
export async function lakeStats(root: string): Promise<TableStats[]> {
  let info;
  try {
    info = await stat(root);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new IoError(
      code === 'ENOENT' ? `no lake at ${root}: the folder does not exist` : `cannot read ${root}`,
      { cause: error },
    );
  }
  if (!info.isDirectory()) throw new IoError(`no lake at ${root}: it is not a folder`);
  const engine = new DuckDbEngine({ threads: 1 });
  try {
    const out: TableStats[] = [];
    for (const dir of await findTables(root)) {
      const table = await DeltaTable.open(dir, { engine });
      try {
        const snapshot = await table.snapshot();
        let rows = 0;
        let counted = true;
        let bytes = 0;
        for (const add of snapshot.files) {
          bytes += add.size;
          const stats = add.stats === undefined ? undefined : decodeStats(add.stats);
          if (stats?.numRecords === undefined) counted = false;
          else rows += stats.numRecords;
        }
        // Files written without statistics are counted the slow way.
        if (!counted) {
          rows = await engine.withConnection(async (connection) => {
            const reader = await connection.runAndReadAll(
              `SELECT count(*)::DOUBLE FROM (${scanSql(snapshot)})`,
            );
            return Number(reader.getRows()[0]?.[0] ?? 0);
          });
        }
        out.push({
          table: path.relative(root, dir).split(path.sep).join('/') || '.',
          version: snapshot.version,
          files: snapshot.files.length,
          rows,
          bytes,
        });
      } finally {
        table.close();
      }
    }
    return out;
  } finally {
    engine.close();
  }
}
