/**
 * Which of a DR policy's copies of one volume retention deletes (SPEC §9), as a pure function.
 * Only copies the bot made for the policy are candidates at all (the caller checks its own
 * records, not only tags); the newest is always kept, and so is every locked one.
 */
export type RetentionRule = { count: number; days?: undefined } | { days: number; count?: undefined };

export interface RetentionCandidate {
  snapshotId: string;
  completedAt: Date;
  locked: boolean;
}

export interface RetentionPlan {
  delete: string[];
  /** Beyond the rule but kept because they are locked. */
  keptLocked: string[];
  kept: string[];
}

const DAY_MS = 86_400_000;

export function retentionPlan(
  candidates: RetentionCandidate[],
  rule: RetentionRule,
  now: Date,
): RetentionPlan {
  const newestFirst = [...candidates].sort(
    (a, b) => b.completedAt.getTime() - a.completedAt.getTime() || (a.snapshotId < b.snapshotId ? 1 : -1),
  );
  const plan: RetentionPlan = { delete: [], keptLocked: [], kept: [] };
  newestFirst.forEach((c, i) => {
    const beyond =
      i > 0 &&
      (rule.count !== undefined
        ? i >= rule.count
        : now.getTime() - c.completedAt.getTime() > rule.days * DAY_MS);
    if (!beyond) plan.kept.push(c.snapshotId);
    else if (c.locked) plan.keptLocked.push(c.snapshotId);
    else plan.delete.push(c.snapshotId);
  });
  return plan;
}
