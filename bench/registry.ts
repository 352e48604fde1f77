/** Every benchmark, listed explicitly. Add new bench modules here. */
import type { Bench } from "./harness.js";
import { benches as exprBenches } from "./expr.bench.js";

export const benches: Bench[] = [...exprBenches];
