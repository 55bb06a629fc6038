-- Silver step 2: which valid rows are duplicates of an event silver keeps.
-- The key is (session_id, seq); the first arrival wins, in bronze ingest order
-- (ingest_time, then topic, partition, offset). A row is a duplicate when
--   * silver already holds its key from an earlier run (view `silver_keys_existing`), or
--   * another row of this run with its key arrived first.
-- Output: temp table `silver_dups`, one row per duplicate with the coordinates of the original.
-- The same bronze row is never its own duplicate (a run redone after a crash may find its
-- own rows in a table it already committed).
CREATE OR REPLACE TEMP TABLE silver_dups AS
WITH valid AS (
  SELECT session_id, seq, ingest_time, bronze_topic, bronze_partition, bronze_offset
  FROM silver_parsed
  WHERE reasons = ''
),
first_in_run AS (
  SELECT
    session_id,
    seq,
    min(struct_pack(t := ingest_time, topic := bronze_topic, p := bronze_partition, o := bronze_offset)) AS first
  FROM valid
  GROUP BY session_id, seq
  HAVING count(*) > 1
),
earlier AS (
  SELECT session_id, seq, bronze_topic, bronze_partition, bronze_offset
  FROM silver_keys_existing
  WHERE session_id IN (SELECT session_id FROM valid)
)
SELECT
  v.bronze_topic,
  v.bronze_partition,
  v.bronze_offset,
  v.session_id,
  coalesce(e.bronze_topic, f.first.topic) AS original_topic,
  coalesce(e.bronze_partition, f.first.p) AS original_partition,
  coalesce(e.bronze_offset, f.first.o) AS original_offset
FROM valid AS v
LEFT JOIN first_in_run AS f
  ON f.session_id = v.session_id AND f.seq = v.seq
LEFT JOIN earlier AS e
  ON e.session_id = v.session_id
  AND e.seq = v.seq
  AND NOT (e.bronze_topic = v.bronze_topic AND e.bronze_partition = v.bronze_partition AND e.bronze_offset = v.bronze_offset)
WHERE e.session_id IS NOT NULL
  OR (
    f.session_id IS NOT NULL
    AND NOT (f.first.topic = v.bronze_topic AND f.first.p = v.bronze_partition AND f.first.o = v.bronze_offset)
  )
