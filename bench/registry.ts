/** Every benchmark, listed explicitly. Add new bench modules here. */
import type { Bench } from "./harness.js";

export const benches: Bench[] = [];
