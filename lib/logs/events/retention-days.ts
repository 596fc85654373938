import { getConfig } from "../../config/config.js";

/** A group's retention, or `[cloudwatch.logs] retention_days` when it has none (the seed's "default log retention"). */
export function effectiveRetentionDays(groupRetention: number | undefined): number {
  return groupRetention ?? getConfig().logs.retentionDays;
}
