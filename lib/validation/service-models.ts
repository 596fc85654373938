/**
 * The vendored AWS service models (models/, botocore's service-2.json with the
 * documentation stripped; models/source.json says which botocore): the
 * constraints AWS validates every request against. Data files, read once.
 */
import cloudwatch from "../../models/cloudwatch-2010-08-01.json" with { type: "json" };
import logs from "../../models/logs-2014-03-28.json" with { type: "json" };
import type { ServiceName } from "../runtime/operation.js";

export interface MemberRef {
  shape: string;
}

/** One shape of a botocore model, with the constraint traits this stage reads. */
export interface Shape {
  type: "structure" | "string" | "list" | "map" | "integer" | "long" | "double" | "float" | "boolean" | "blob" | "timestamp";
  members?: Record<string, MemberRef>;
  required?: string[];
  member?: MemberRef;
  key?: MemberRef;
  value?: MemberRef;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  union?: boolean;
}

export interface OperationDefinition {
  name: string;
  input?: MemberRef;
  errors?: MemberRef[];
}

export interface BotocoreModel {
  metadata: { apiVersion: string; protocol: string; protocols?: string[]; uid: string };
  operations: Record<string, OperationDefinition>;
  shapes: Record<string, Shape>;
}

export const MODELS: Partial<Record<ServiceName, BotocoreModel>> & Record<"cloudwatch" | "logs", BotocoreModel> = {
  cloudwatch: cloudwatch as unknown as BotocoreModel,
  logs: logs as unknown as BotocoreModel,
};
