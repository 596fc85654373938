/**
 * CloudWatch search expressions, `SEARCH('{Namespace,Dim} term', 'Stat', Period)`:
 * lexer.ts → parser.ts (ast.ts) → matcher.ts (name-tokens.ts) → runner.ts.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/search-expression-syntax.html
 */
export { MAX_SEARCH_LENGTH, type SearchNode, type SearchQuery } from "./ast.js";
export { parseSearch } from "./parser.js";
export { camelSplit, nameTokens, words } from "./name-tokens.js";
export { compileSearch, matchesSearch } from "./matcher.js";
export {
  runSearch,
  searchLabels,
  MAX_SEARCH_RESULTS,
  SEARCH_MESSAGES,
  type SearchMessage,
  type SearchRunOptions,
} from "./runner.js";
