// A telemetry sink that keeps everything in memory, for tests of the runner's output.
import type { RecordBatch, TelemetrySink } from '../../src/telemetry/sink.js';
import type { PitwallEvent } from '../../src/telemetry/events.js';
import { FleetRunner, type SimulationOptions } from '../../src/sim/runner.js';

export class MemorySink implements TelemetrySink {
  readonly keys: string[] = [];
  readonly values: string[] = [];
  closed = false;

  write(batch: RecordBatch): void {
    this.keys.push(...batch.keys);
    for (const value of batch.values) this.values.push(Buffer.from(value).toString('utf8'));
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  /** Every line parsed, in delivery order. */
  events(): PitwallEvent[] {
    return this.values.map((line) => JSON.parse(line) as PitwallEvent);
  }
}

/** 2025-01-01T00:00:00Z: a fixed start so outputs do not depend on the clock. */
export const START_MS = Date.UTC(2025, 0, 1);

/** Runs a simulation to the end and returns the sink with everything it received. */
export async function runToMemory(
  options: Omit<SimulationOptions, 'startTimeMs'> & { startTimeMs?: number },
): Promise<MemorySink> {
  const sink = new MemorySink();
  await new FleetRunner({ startTimeMs: START_MS, ...options }).run(sink);
  await sink.close();
  return sink;
}

/** Events grouped by session id, each group in delivery order. */
export function bySession(events: readonly PitwallEvent[]): Map<string, PitwallEvent[]> {
  const groups = new Map<string, PitwallEvent[]>();
  for (const event of events) {
    let group = groups.get(event.session_id);
    if (!group) groups.set(event.session_id, (group = []));
    group.push(event);
  }
  return groups;
}
