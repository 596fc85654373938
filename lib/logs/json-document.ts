/**
 * A policy document sent as a string (resource, destination, account and
 * data protection policies) must be a JSON object; the operations that take
 * one refuse anything else with InvalidParameterException, each in its own words.
 */
import { invalidParameter } from "./errors.js";

export function requireJsonObject(text: string, notJson: string, notObject = notJson): void {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw invalidParameter(notJson);
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw invalidParameter(notObject);
}
