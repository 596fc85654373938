/**
 * Amazon Resource Names as AWS writes them: the partition comes from the
 * region (`aws-cn` in the China regions, `aws-us-gov` in GovCloud, `aws`
 * elsewhere; AWS's "Amazon Resource Names" page), so an ARN names the same
 * partition the caller signed its request for.
 */

export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  if (region.startsWith("us-iso-")) return "aws-iso";
  if (region.startsWith("us-isob-")) return "aws-iso-b";
  return "aws";
}

/**
 * `arn:{partition}:{service}:{region}:{account}:{resource}`. `region` names the
 * partition even when the ARN leaves the region out (global resources such as
 * dashboards: `arn:aws:cloudwatch::{account}:dashboard/{name}`).
 */
export function arn(p: { service: string; region: string; accountId: string; resource: string; global?: boolean }): string {
  return `arn:${partitionOf(p.region)}:${p.service}:${p.global ? "" : p.region}:${p.accountId}:${p.resource}`;
}
