// Writes schemas/telemetry-event.v1.schema.json from the event and signal definitions.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { SCHEMAS_DIR } from '../src/paths.js';
import { EVENT_SCHEMA_FILE, buildEventJsonSchema } from '../src/telemetry/json-schema.js';

const file = path.join(SCHEMAS_DIR, EVENT_SCHEMA_FILE);
writeFileSync(file, JSON.stringify(buildEventJsonSchema(), null, 2) + '\n');
console.log(`wrote ${path.relative(process.cwd(), file)}`);
