// The embedded log's SQLite schema. Every name a query uses is defined here.
//
// One table per partition (`log_<topic id>_<partition>`) holds that partition's record
// batches keyed by their first offset, the rowid: appends always land at the right edge
// of its b-tree, and retention deletes from the left edge.

/** Version of this schema; a database made by a newer Pitwall is refused. */
export const SCHEMA_VERSION = 1;

export const SCHEMA_SQL = `
CREATE TABLE IF NOT EXISTS meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- AUTOINCREMENT: ids are never reused, so a topic deleted and made again gets new tables
-- and a stale prepared statement can never read the new topic's data.
CREATE TABLE IF NOT EXISTS topics (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  partitions INTEGER NOT NULL,
  replication_factor INTEGER NOT NULL,
  retention_ms INTEGER,
  retention_bytes INTEGER,
  created_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS partitions (
  topic_id INTEGER NOT NULL,
  partition INTEGER NOT NULL,
  log_start_offset INTEGER NOT NULL,
  next_offset INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  PRIMARY KEY (topic_id, partition)
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS groups (
  group_id TEXT PRIMARY KEY,
  generation INTEGER NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS group_members (
  group_id TEXT NOT NULL,
  member_id TEXT NOT NULL,
  client_id TEXT NOT NULL,
  topics TEXT NOT NULL,
  session_timeout_ms INTEGER NOT NULL,
  joined_ms INTEGER NOT NULL,
  heartbeat_ms INTEGER NOT NULL,
  PRIMARY KEY (group_id, member_id)
) STRICT, WITHOUT ROWID;

-- assigned_to: the member the range assignor picked in the current generation.
-- owner: the member fetching the partition now. A partition changes hands only when its
-- owner has released it (or died), so two members never fetch one partition at once.
CREATE TABLE IF NOT EXISTS group_partitions (
  group_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  partition INTEGER NOT NULL,
  assigned_to TEXT,
  owner TEXT,
  PRIMARY KEY (group_id, topic, partition)
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS group_offsets (
  group_id TEXT NOT NULL,
  topic TEXT NOT NULL,
  partition INTEGER NOT NULL,
  committed_offset INTEGER NOT NULL,
  commit_ms INTEGER NOT NULL,
  PRIMARY KEY (group_id, topic, partition)
) STRICT, WITHOUT ROWID;
`;

/** The table of one partition's batches. Topic ids are integers, so the name is safe SQL. */
export function partitionTable(topicId: number, partition: number): string {
  return `log_${topicId}_${partition}`;
}

export function createPartitionTableSql(table: string): string {
  return `CREATE TABLE ${table} (
  base_offset INTEGER PRIMARY KEY,
  record_count INTEGER NOT NULL,
  append_ms INTEGER NOT NULL,
  max_timestamp REAL NOT NULL,
  records BLOB NOT NULL
) STRICT`;
}

export interface TopicRow {
  readonly id: number;
  readonly name: string;
  readonly partitions: number;
  readonly replication_factor: number;
  readonly retention_ms: number | null;
  readonly retention_bytes: number | null;
}
