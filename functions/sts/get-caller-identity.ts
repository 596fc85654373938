import type { GetCallerIdentityRequest, GetCallerIdentityResponse } from "@aws-sdk/client-sts";
import { callerIdentity } from "../../lib/sts/caller-identity.js";
import { operation } from "../../lib/runtime/operation.js";

export const handler = operation<GetCallerIdentityRequest, GetCallerIdentityResponse>((_input, { accountId, region }) => callerIdentity(accountId, region));
