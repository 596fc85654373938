/**
 * sts:GetCallerIdentity for the local runtime: who the signed caller is. Every
 * key the service knows belongs to an account as a whole (the credentials
 * table maps a key to an account), so the caller is that account's root, in
 * the forms the Spinifex gateway uses for root (spinifex/gateway/sts.go
 * buildCallerARN; gateway/sts/GetCallerIdentity.go: UserId is the account id).
 */
import { partitionOf } from "../arn.js";

export interface CallerIdentity {
  UserId: string;
  Account: string;
  Arn: string;
}

export function callerIdentity(accountId: string, region: string): CallerIdentity {
  return { UserId: accountId, Account: accountId, Arn: `arn:${partitionOf(region)}:iam::${accountId}:root` };
}
