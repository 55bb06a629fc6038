-- Silver telemetry: valid telemetry events that are not duplicates, typed, in UTC µs.
-- Not reordered: event_time carries event order; late and out-of-order events are kept as
-- they arrived (gold orders by event_time within a session).
SELECT *
FROM silver_parsed AS p
WHERE p.reasons = ''
  AND p.event_type = 'telemetry'
  AND NOT EXISTS (
    SELECT 1 FROM silver_dups AS d
    WHERE d.bronze_topic = p.bronze_topic
      AND d.bronze_partition = p.bronze_partition
      AND d.bronze_offset = p.bronze_offset
  )
