-- Silver session events: valid session_start / session_end events that are not duplicates.
SELECT
  p.session_id,
  p.vehicle_id,
  p.seq,
  p.event_id,
  p.event_type,
  p.event_time,
  p.session_car_id AS car_id,
  p.session_car_name AS car_name,
  p.session_driver_profile AS driver_profile,
  p.session_route_id AS route_id,
  p.session_seed AS seed,
  p.session_session_index AS session_index,
  p.session_hz AS hz,
  p.session_ambient_temp_c AS ambient_temp_c,
  p.session_cargo_kg AS cargo_kg,
  p.session_cold_start AS cold_start,
  p.session_scenario AS scenario,
  p.session_simulator AS simulator,
  p.summary_duration_s AS duration_s,
  p.summary_distance_km AS distance_km,
  p.summary_fuel_used_l AS fuel_used_l,
  p.summary_avg_speed_kmh AS avg_speed_kmh,
  p.summary_max_speed_kmh AS max_speed_kmh,
  p.summary_samples_emitted AS samples_emitted,
  p.summary_samples_lost AS samples_lost,
  p.bronze_topic,
  p.bronze_partition,
  p.bronze_offset,
  p.ingest_time
FROM silver_parsed AS p
WHERE p.reasons = ''
  AND p.event_type IN ('session_start', 'session_end')
  AND NOT EXISTS (
    SELECT 1 FROM silver_dups AS d
    WHERE d.bronze_topic = p.bronze_topic
      AND d.bronze_partition = p.bronze_partition
      AND d.bronze_offset = p.bronze_offset
  )
