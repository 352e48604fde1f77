import { describe, expect, it } from "vitest";
import { groupForTemplate, groupId, groupTags, NIL_GROUP } from "../../../src/engine/group.js";

describe("groupId (Kapacitor's ToGroupID)", () => {
  const tags = { host: "serverA", cpu: "cpu0", dc: "eu" };
  it("is empty without groupBy and prints as nil", () => {
    expect(groupId("cpu", tags, { byName: false, tagNames: [] })).toBe(NIL_GROUP);
    expect(groupForTemplate(NIL_GROUP)).toBe("nil");
  });
  it("joins sorted k=v pairs with commas", () => {
    expect(groupId("cpu", tags, { byName: false, tagNames: ["cpu", "host"] })).toBe("cpu=cpu0,host=serverA");
  });
  it("prefixes the measurement and a newline with groupByMeasurement", () => {
    expect(groupId("cpu", tags, { byName: true, tagNames: ["host"] })).toBe("cpu\nhost=serverA");
    expect(groupId("cpu", tags, { byName: true, tagNames: [] })).toBe("cpu");
  });
  it("writes an empty value for a missing tag, and groupTags keeps only group-by tags", () => {
    expect(groupId("cpu", tags, { byName: false, tagNames: ["zone"] })).toBe("zone=");
    expect(groupTags(tags, { byName: false, tagNames: ["host"] })).toEqual({ host: "serverA" });
  });
});
