-- Silver reconciliation: classifies every parsed row once, independently of the models
-- that write the tables; the runner checks that these counts add up to the bronze rows
-- read, and that each table's COPY wrote exactly its count.
SELECT
  count(*) AS parsed,
  count(*) FILTER (WHERE p.reasons <> '') AS quarantined,
  count(*) FILTER (WHERE p.reasons = '' AND d.bronze_offset IS NOT NULL) AS duplicates,
  count(*) FILTER (
    WHERE p.reasons = '' AND d.bronze_offset IS NULL AND p.event_type = 'telemetry'
  ) AS telemetry,
  count(*) FILTER (
    WHERE p.reasons = '' AND d.bronze_offset IS NULL
      AND p.event_type IN ('session_start', 'session_end')
  ) AS session_events
FROM silver_parsed AS p
LEFT JOIN silver_dups AS d
  ON d.bronze_topic = p.bronze_topic
  AND d.bronze_partition = p.bronze_partition
  AND d.bronze_offset = p.bronze_offset
