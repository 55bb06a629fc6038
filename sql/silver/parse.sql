-- Silver step 1: parse every new bronze row against event schema v1.
-- Input view `bronze_new` (the bronze rows added since the last run). Output: temp table
-- `silver_parsed`, one row per bronze row, with typed columns and `reasons`: '' for a
-- valid event, else the comma-separated quarantine reason codes in precedence order.
-- Double-brace slots are generated from the field table in src/pipeline/silver/fields.ts.
--
-- Two tiers (docs/pipeline.md, "Performance"):
--   1. Fast path, for telemetry: one json_transform of the document into a struct (one
--      parse), numbers cast from their JSON text, then the general path's checks as positive
--      tests on the same values. A row takes it only when the general path would find it
--      valid with the same values; any other row (a missing or null field, a wrong type, any
--      failed check) is left for tier 2, so the fast path never decides a reason code.
--   2. General path, for every other row (session events, broken input, dropouts): the JSON
--      text of every path with json_extract, typed checks per field, every reason code.
-- try() turns a malformed document's error into NULL; DuckDB then redoes the failing chunk
-- row by row, which costs time only on input with malformed JSON.
-- Deviations from Spark SQL: json_transform (Spark: from_json with a schema), json_extract
-- with a list of paths (Spark: from_json with a schema of strings), try(), decode(BLOB)
-- (Spark: CAST(value AS STRING)), starts_with, s[2:-2] (Spark: substring).
CREATE OR REPLACE TEMP TABLE silver_parsed AS
WITH src AS (
  SELECT
    topic AS bronze_topic,
    "partition" AS bronze_partition,
    "offset" AS bronze_offset,
    ingest_time,
    value,
    value_size,
    value_class,
    -- bronze's value_class says the bytes look like a v1 object and are valid UTF-8.
    CASE
      WHEN {{fast_enabled}} AND value_class = 'schema_v1' THEN try(json_transform(try(decode(value)), '{{fast_structure}}'))
    END AS t
  FROM bronze_new
),
typed AS (
  SELECT
    *,
    {{fast_values}}
  FROM src
),
fast AS (
  SELECT
    *,
    TRY_CAST(s_event_time AS TIMESTAMP WITH TIME ZONE) AS f_event_time
  FROM typed
),
tiered AS (
  SELECT
    *,
    coalesce(
      {{fast_checks}}
      AND f_event_time <= ingest_time + INTERVAL '{{max_future_seconds}}' SECOND
      AND f_event_time >= ingest_time - INTERVAL '{{max_past_days}}' DAY,
      false
    ) AS is_fast
  FROM fast
)
SELECT
  bronze_topic,
  bronze_partition,
  bronze_offset,
  ingest_time,
  value_size,
  -- NULL marks a row for the general path (statement 2), which replaces it.
  CASE WHEN is_fast THEN '' END AS reasons,
  CASE WHEN is_fast THEN '' END AS reason,
  CAST(NULL AS VARCHAR) AS fields,
  CASE WHEN NOT is_fast THEN value END AS value,
  CASE WHEN NOT is_fast THEN value_class END AS value_class,
  'telemetry' AS event_type,
  s_session_id AS session_id,
  s_vehicle_id AS vehicle_id,
  TRY_CAST(CAST(t.seq AS VARCHAR) AS BIGINT) AS seq,
  s_event_id AS event_id,
  f_event_time AS event_time,
  CAST(f_event_time AS DATE) AS event_date,
  {{fast_output_columns}},
  {{no_session_columns}}
FROM tiered;

CREATE OR REPLACE TEMP TABLE silver_slow AS
WITH src AS (
  SELECT
    bronze_topic,
    bronze_partition,
    bronze_offset,
    ingest_time,
    value,
    value_size,
    -- bronze's value_class says the bytes are JSON-like and valid UTF-8; others are unparseable.
    CASE WHEN value_class IN ('schema_v1', 'other_json') THEN try(decode(value)) END AS doc
  FROM silver_parsed
  WHERE reasons IS NULL
),
extracted AS (
  -- One parse per row: the JSON text of every envelope and signal path; NULL when not JSON.
  -- try() turns a malformed document's error into NULL (DuckDB redoes only the failing
  -- chunk row by row), one parse instead of json_valid + json_extract.
  SELECT *, try(json_extract(doc, {{event_paths}})) AS j FROM src
),
raw AS (
  SELECT
    *,
    j IS NOT NULL AS parsed,
    coalesce(starts_with(ltrim(doc), '{'), false) AS is_object,
    {{event_raw}}
  FROM extracted
),
typed AS (
  SELECT
    *,
    {{event_values}}
  FROM raw
),
scoped AS (
  SELECT
    *,
    parsed AND is_object AND s_event_type = 'telemetry' AS in_telemetry,
    parsed AND is_object AND s_event_type IN ('session_start', 'session_end') AS in_session,
    parsed AND is_object AND s_event_type = 'session_end' AS in_summary,
    TRY_CAST(
      CASE WHEN regexp_full_match(s_event_time, '{{rfc3339}}') THEN s_event_time END AS TIMESTAMP WITH TIME ZONE
    ) AS t_event_time,
    -- Session events are rare: their session/summary objects get a second parse.
    CASE
      WHEN s_event_type IN ('session_start', 'session_end') THEN try(json_extract(doc, {{session_paths}}))
    END AS js
  FROM typed
),
session_raw AS (
  SELECT
    *,
    parsed AND is_object AS in_envelope,
    {{session_raw}}
  FROM scoped
),
session_typed AS (
  SELECT
    *,
    {{session_values}}
  FROM session_raw
),
flags AS (
  -- Per field: m_ missing, w_ wrong type, v_ schema violation, o_ out of range.
  SELECT
    *,
    {{flags}}
  FROM session_typed
),
checked AS (
  SELECT
    *,
    CASE
      WHEN NOT parsed THEN 'unparseable'
      WHEN NOT is_object THEN 'schema_violation'
      WHEN {{unsupported_version}} THEN 'unsupported_schema_version'
      ELSE concat_ws(
        ',',
        CASE WHEN {{any_missing}} THEN 'missing_field' END,
        CASE WHEN {{any_wrong_type}} THEN 'wrong_type' END,
        CASE WHEN {{any_violation}} THEN 'schema_violation' END,
        CASE WHEN {{any_out_of_range}} THEN 'out_of_range' END,
        CASE
          WHEN t_event_time > ingest_time + INTERVAL '{{max_future_seconds}}' SECOND
            OR t_event_time < ingest_time - INTERVAL '{{max_past_days}}' DAY
          THEN 'clock_skew'
        END
      )
    END AS reasons,
    CASE WHEN parsed AND is_object THEN nullif(concat_ws(',', {{bad_fields}}), '') END AS fields
  FROM flags
)
SELECT
  bronze_topic,
  bronze_partition,
  bronze_offset,
  ingest_time,
  value_size,
  reasons,
  split_part(reasons, ',', 1) AS reason,
  fields,
  CASE WHEN reasons <> '' THEN value END AS value,
  s_event_type AS event_type,
  s_session_id AS session_id,
  s_vehicle_id AS vehicle_id,
  TRY_CAST(r_seq AS BIGINT) AS seq,
  s_event_id AS event_id,
  t_event_time AS event_time,
  CAST(t_event_time AS DATE) AS event_date,
  {{output_columns}}
FROM checked;

DELETE FROM silver_parsed WHERE reasons IS NULL;

INSERT INTO silver_parsed BY NAME SELECT * FROM silver_slow;

DROP TABLE silver_slow;
