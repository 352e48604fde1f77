import { describe, expect, it } from "vitest";
import { compileMatcher, matchAll, parseMatchers, type Matcher } from "../../../src/oncall/index.js";

const m = (name: string, value: string, isRegex = false, isEqual = true): Matcher => ({
  name,
  value,
  isRegex,
  isEqual,
});
const test = (x: Matcher, labels: Record<string, string>) => compileMatcher(x).test(labels);

describe("silence matchers (Alertmanager semantics)", () => {
  const labels = { alertname: "cpu", host: "web-1", severity: "critical" };

  it("= and != compare the whole value", () => {
    expect(test(m("host", "web-1"), labels)).toBe(true);
    expect(test(m("host", "web"), labels)).toBe(false);
    expect(test(m("host", "web-1", false, false), labels)).toBe(false);
    expect(test(m("host", "web-2", false, false), labels)).toBe(true);
  });

  it("=~ and !~ are anchored at both ends", () => {
    expect(test(m("host", "web-.*", true), labels)).toBe(true);
    expect(test(m("host", "web", true), labels)).toBe(false);
    expect(test(m("host", "eb-1", true), labels)).toBe(false);
    expect(test(m("host", "db|web-1", true), labels)).toBe(true);
    expect(test(m("host", "web.*", true, false), labels)).toBe(false);
    expect(test(m("host", "db.*", true, false), labels)).toBe(true);
  });

  it("a missing label matches as the empty string", () => {
    expect(test(m("team", ""), labels)).toBe(true);
    expect(test(m("team", "db"), labels)).toBe(false);
    expect(test(m("team", "db", false, false), labels)).toBe(true);
    expect(test(m("team", ".*", true), labels)).toBe(true);
    expect(test(m("team", ".+", true), labels)).toBe(false);
    expect(test(m("team", ".+", true, false), labels)).toBe(true);
  });

  it("all matchers must match", () => {
    const ms = [m("alertname", "cpu"), m("host", "web-.*", true)].map(compileMatcher);
    expect(matchAll(ms, labels)).toBe(true);
    expect(matchAll(ms, { ...labels, host: "db-1" })).toBe(false);
  });

  it("parses amtool's text forms", () => {
    expect(parseMatchers('alertname="cpu"')).toEqual([m("alertname", "cpu")]);
    expect(parseMatchers("host=~web-.*")).toEqual([m("host", "web-.*", true)]);
    expect(parseMatchers('{a!="x", b!~"y|z", c=""}')).toEqual([
      m("a", "x", false, false),
      m("b", "y|z", true, false),
      m("c", ""),
    ]);
    expect(parseMatchers('msg="say \\"hi\\", ok"')).toEqual([m("msg", 'say "hi", ok')]);
    expect(() => parseMatchers("=x")).toThrow(/expected name=value/);
    expect(() => parseMatchers('a=~"("')).toThrow(/invalid regular expression/);
  });
});
