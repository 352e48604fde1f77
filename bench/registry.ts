/** Every benchmark, listed explicitly. Add new bench modules here. */
import type { Bench } from "./harness.js";
import { benches as exprBenches } from "./expr.bench.js";
import { benches as grammarBenches } from "./grammar.bench.js";
import { benches as lineProtocolBenches } from "./line-protocol.bench.js";
import { benches as engineBenches } from "./engine.bench.js";
import { benches as deliveryBenches } from "./delivery.bench.js";
import { benches as kafkaBenches } from "./kafka.bench.js";
import { benches as alertStormBenches } from "./alert-storm.bench.js";
import { benches as dispatchBenches } from "./dispatch.bench.js";
import { benches as clusterBenches } from "./cluster.bench.js";
import { benches as journalStoreBenches } from "./journal-store.bench.js";
import { benches as wireThreadBenches } from "./wire-thread.bench.js";

export const benches: Bench[] = [
  ...grammarBenches,
  ...exprBenches,
  ...lineProtocolBenches,
  ...engineBenches,
  ...kafkaBenches,
  ...deliveryBenches,
  ...alertStormBenches,
  ...dispatchBenches,
  ...clusterBenches,
  ...journalStoreBenches,
  ...wireThreadBenches,
];
