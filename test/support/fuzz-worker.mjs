// The worker side of test/support/fuzz.ts: TypeScript through tsx (a worker does not inherit the test runner's loader).
import { register } from "tsx/esm/api";

register();
await import("./fuzz-run.ts");
