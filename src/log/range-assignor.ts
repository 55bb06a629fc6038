// Kafka's RangeAssignor: for each topic, its members (sorted by member id) take contiguous
// ranges of partitions; the first `partitions % members` take one extra.

/** For each partition of a topic, the member it goes to. `members` must be sorted. */
export function rangeAssign(partitionCount: number, members: readonly string[]): string[] {
  const owners = new Array<string>(partitionCount);
  if (members.length === 0) return [];
  const each = Math.floor(partitionCount / members.length);
  const extra = partitionCount % members.length;
  let partition = 0;
  members.forEach((member, i) => {
    const count = each + (i < extra ? 1 : 0);
    for (let k = 0; k < count; k++) owners[partition++] = member;
  });
  return owners;
}

/** Assignment of every subscribed topic: `topic → partition → member`. */
export function rangeAssignTopics(
  subscriptions: ReadonlyMap<string, readonly string[]>,
  partitionCounts: ReadonlyMap<string, number>,
): Map<string, string[]> {
  const byTopic = new Map<string, string[]>();
  for (const [member, topics] of subscriptions) {
    for (const topic of topics) {
      if (!partitionCounts.has(topic)) continue;
      let members = byTopic.get(topic);
      if (!members) byTopic.set(topic, (members = []));
      members.push(member);
    }
  }
  const result = new Map<string, string[]>();
  for (const [topic, members] of byTopic) {
    members.sort();
    result.set(topic, rangeAssign(partitionCounts.get(topic)!, members));
  }
  return result;
}
