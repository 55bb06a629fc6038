-- Silver sessions: one row per session, rebuilt each run from
--   * every session event silver holds (view `session_events_all`): car, driver profile,
--     route, seed, start and end, the end summary;
--   * event counts: the previous sessions table (view `sessions_existing`) plus this run's
--     new telemetry (`silver_new_telemetry`) and duplicates (`silver_dups`).
WITH info AS (
  SELECT
    session_id,
    min_by(vehicle_id, seq) AS vehicle_id,
    min_by(car_id, seq) AS car_id,
    min_by(car_name, seq) AS car_name,
    min_by(driver_profile, seq) AS driver_profile,
    min_by(route_id, seq) AS route_id,
    min_by(seed, seq) AS seed,
    min_by(session_index, seq) AS session_index,
    min_by(hz, seq) AS hz,
    min_by(ambient_temp_c, seq) AS ambient_temp_c,
    min_by(cargo_kg, seq) AS cargo_kg,
    min_by(cold_start, seq) AS cold_start,
    min_by(scenario, seq) AS scenario,
    min_by(simulator, seq) AS simulator,
    min(CASE WHEN event_type = 'session_start' THEN event_time END) AS started_at,
    max(CASE WHEN event_type = 'session_end' THEN event_time END) AS ended_at,
    max(samples_emitted) AS samples_emitted,
    max(samples_lost) AS samples_lost,
    max(duration_s) AS duration_s,
    max(distance_km) AS distance_km
  FROM session_events_all
  GROUP BY session_id
),
counts AS (
  SELECT
    session_id,
    min(vehicle_id) AS vehicle_id,
    min(first_event_time) AS first_event_time,
    max(last_event_time) AS last_event_time,
    sum(telemetry_events) AS telemetry_events,
    sum(duplicate_events) AS duplicate_events
  FROM (
    SELECT session_id, vehicle_id, first_event_time, last_event_time, telemetry_events, duplicate_events
    FROM sessions_existing
    UNION ALL
    SELECT session_id, min(vehicle_id), min(event_time), max(event_time), count(*), 0
    FROM silver_new_telemetry
    GROUP BY session_id
    UNION ALL
    SELECT session_id, NULL, NULL, NULL, 0, count(*)
    FROM silver_dups
    GROUP BY session_id
  ) AS parts
  GROUP BY session_id
)
SELECT
  coalesce(i.session_id, c.session_id) AS session_id,
  coalesce(i.vehicle_id, c.vehicle_id) AS vehicle_id,
  i.car_id,
  i.car_name,
  i.driver_profile,
  i.route_id,
  i.seed,
  i.session_index,
  i.hz,
  i.ambient_temp_c,
  i.cargo_kg,
  i.cold_start,
  i.scenario,
  i.simulator,
  i.started_at,
  i.ended_at,
  c.first_event_time,
  c.last_event_time,
  CAST(coalesce(c.telemetry_events, 0) AS BIGINT) AS telemetry_events,
  CAST(coalesce(c.duplicate_events, 0) AS BIGINT) AS duplicate_events,
  i.samples_emitted,
  i.samples_lost,
  i.duration_s,
  i.distance_km
FROM info AS i
FULL OUTER JOIN counts AS c ON c.session_id = i.session_id
