/** The daemon's loaded config must fit HandlerConfig as it is (the coordinator passes it through). */
import { describe, expect, it } from "vitest";

import type { TickdConfig } from "../../../src/config/types.js";
import type { HandlerConfig } from "../../../src/handlers/index.js";

// A compile-time check: tsc fails here if the config sections drift from what handlers read.
function toHandlerConfig(c: TickdConfig): HandlerConfig {
  return c;
}

describe("HandlerConfig", () => {
  it("is structurally a subset of TickdConfig", () => {
    expect(typeof toHandlerConfig).toBe("function");
  });
});
