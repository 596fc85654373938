/**
 * The values metric math computes with, and its errors.
 *
 * AWS's function table types every argument and result as S (a scalar), TS (a
 * time series) or TS[] (an array of time series). Strings appear as arguments
 * (METRICS('filter'), SEARCH('...', 'Average', 300)), and bare uppercase words
 * are keywords of particular functions (FILL(m1, REPEAT), SORT(a, AVG, DESC)).
 */
import { CLOUDWATCH_ERRORS, ServiceError } from "../../../errors.js";
import type { Series } from "../../types.js";

export type Value =
  | { kind: "scalar"; value: number } // NaN = no value (e.g. AVG of an empty series)
  | { kind: "series"; series: Series }
  | { kind: "array"; items: Series[] }
  | { kind: "string"; value: string }
  | { kind: "keyword"; name: string };

export const scalar = (value: number): Value => ({ kind: "scalar", value: Number.isFinite(value) ? value : NaN });
export const seriesValue = (series: Series): Value => ({ kind: "series", series });
export const arrayValue = (items: Series[]): Value => ({ kind: "array", items });

/** How a value's type reads in an error message, in AWS's vocabulary. */
export function describeKind(v: Value): string {
  switch (v.kind) {
    case "scalar":
      return "a scalar";
    case "series":
      return "a time series";
    case "array":
      return "an array of time series";
    case "string":
      return "a string";
    case "keyword":
      return `the keyword ${v.name}`;
  }
}

/** A bad expression: AWS answers GetMetricData and PutMetricAlarm with a 400 ValidationError. */
export class MathError extends ServiceError {
  /** 0-based character offset in the expression text where the problem is. */
  readonly position: number;
  constructor(message: string, position: number) {
    super(CLOUDWATCH_ERRORS.ValidationException.code, message, CLOUDWATCH_ERRORS.ValidationException.status);
    this.position = position;
  }
}

export const syntaxError = (position: number, detail: string): MathError =>
  new MathError(`Syntax error at position ${position}: ${detail}`, position);

/** An error about the construct that starts at `position`. */
export const mathError = (position: number, message: string): MathError =>
  new MathError(`${message} (at position ${position})`, position);
