/** AWS filter patterns: one compiled matcher for FilterLogEvents, metric filters and subscription filters. */
export { compileFilterPattern, type FilterPattern, type PatternMatch, type FieldValue } from "./compiler.js";
