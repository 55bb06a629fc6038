-- Silver duplicate audit: valid events whose (session_id, seq) silver already keeps, with
-- the bronze coordinates of the kept original.
SELECT
  p.session_id,
  p.seq,
  p.event_id,
  p.event_type,
  p.event_time,
  p.bronze_topic,
  p.bronze_partition,
  p.bronze_offset,
  p.ingest_time,
  d.original_topic,
  d.original_partition,
  d.original_offset,
  p.value_size
FROM silver_parsed AS p
JOIN silver_dups AS d
  ON d.bronze_topic = p.bronze_topic
  AND d.bronze_partition = p.bronze_partition
  AND d.bronze_offset = p.bronze_offset
