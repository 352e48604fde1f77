/** The one member id of an instance (src/cluster/core.ts), known before the API listens. */
import { hostname } from "node:os";
import { describe, expect, it } from "vitest";
import { memberIdOf } from "../../../src/cluster/core.js";
import type { ClusterConfig } from "../../../src/config/types.js";

const cfg = (memberId: string): ClusterConfig => ({
  enabled: true,
  name: "prod",
  brokers: ["127.0.0.1:9092"],
  commitInterval: 200e6,
  partitions: 6,
  replicationFactor: 1,
  memberId,
});

describe("memberIdOf", () => {
  it("is [cluster] member-id when set", () => {
    expect(memberIdOf(cfg("a"), "0.0.0.0:9092")).toBe("a");
  });
  it("defaults to <hostname>:<port of [http] bind-address>", () => {
    expect(memberIdOf(cfg(""), "0.0.0.0:9092")).toBe(`${hostname()}:9092`);
    expect(memberIdOf(cfg(""), ":9092")).toBe(`${hostname()}:9092`);
  });
  it("names the process when the port is chosen at listen (0)", () => {
    expect(memberIdOf(cfg(""), "127.0.0.1:0")).toBe(`${hostname()}:pid-${process.pid}`);
  });
});
