-- Silver quarantine: every bronze row that failed a check, raw, with all its reason codes.
SELECT *
FROM silver_parsed
WHERE reasons <> ''
