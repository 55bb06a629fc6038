-- Silver step 2: which valid rows are duplicates of an event silver keeps.
-- The key is (session_id, seq); the first arrival wins, in bronze ingest order
-- (ingest_time, then topic, partition, offset). A row is a duplicate when
--   * silver already holds its key from an earlier run (view `silver_keys_existing`), or
--   * another row of this run with its key arrived first.
-- Output: temp table `silver_dups`, one row per duplicate with the coordinates of the original.
-- The same bronze row is never its own duplicate (a run redone after a crash may find its
-- own rows in a table it already committed).
-- Speed: repeated keys are rare, so the one pass over every valid row groups by a 64-bit
-- hash of the key and keeps the hashes seen twice; the exact key comparison, and the
-- search for the first arrival, run on the few rows with such a hash only.
CREATE OR REPLACE TEMP TABLE silver_dups AS
WITH valid AS (
  SELECT session_id, seq, ingest_time, bronze_topic, bronze_partition, bronze_offset
  FROM silver_parsed
  WHERE reasons = ''
),
repeated_hashes AS (
  SELECT hash(session_id, seq) AS h
  FROM valid
  GROUP BY 1
  HAVING count(*) > 1
),
candidates AS (
  SELECT *
  FROM valid
  WHERE hash(session_id, seq) IN (SELECT h FROM repeated_hashes)
),
first_in_run AS (
  SELECT
    session_id,
    seq,
    min(struct_pack(t := ingest_time, topic := bronze_topic, p := bronze_partition, o := bronze_offset)) AS first
  FROM candidates
  GROUP BY session_id, seq
  HAVING count(*) > 1
),
in_run AS (
  SELECT
    c.bronze_topic,
    c.bronze_partition,
    c.bronze_offset,
    c.session_id,
    c.seq,
    f.first.topic AS original_topic,
    f.first.p AS original_partition,
    f.first.o AS original_offset
  FROM candidates AS c
  JOIN first_in_run AS f ON f.session_id = c.session_id AND f.seq = c.seq
  WHERE NOT (f.first.topic = c.bronze_topic AND f.first.p = c.bronze_partition AND f.first.o = c.bronze_offset)
),
earlier AS (
  -- Keys of earlier runs (none on a full refresh), of the sessions this run touches.
  SELECT e.session_id, e.seq, e.bronze_topic, e.bronze_partition, e.bronze_offset
  FROM silver_keys_existing AS e
  WHERE e.session_id IN (SELECT session_id FROM valid)
),
from_earlier AS (
  SELECT
    v.bronze_topic,
    v.bronze_partition,
    v.bronze_offset,
    v.session_id,
    v.seq,
    e.bronze_topic AS original_topic,
    e.bronze_partition AS original_partition,
    e.bronze_offset AS original_offset
  FROM valid AS v
  JOIN earlier AS e
    ON e.session_id = v.session_id
    AND e.seq = v.seq
    AND NOT (e.bronze_topic = v.bronze_topic AND e.bronze_partition = v.bronze_partition AND e.bronze_offset = v.bronze_offset)
)
-- A key silver already holds points at the earlier original; otherwise at the run's first.
SELECT bronze_topic, bronze_partition, bronze_offset, session_id, original_topic, original_partition, original_offset
FROM from_earlier
UNION ALL
SELECT r.bronze_topic, r.bronze_partition, r.bronze_offset, r.session_id, r.original_topic, r.original_partition, r.original_offset
FROM in_run AS r
WHERE NOT EXISTS (
  SELECT 1 FROM from_earlier AS e
  WHERE e.bronze_topic = r.bronze_topic AND e.bronze_partition = r.bronze_partition AND e.bronze_offset = r.bronze_offset
)
