/**
 * The console's matchers (ui/src/matchers.ts): the URL label filter and the silence preview
 * must match exactly what tickd's silences match (Alertmanager semantics, DESIGN §12).
 */
import { describe, expect, it } from "vitest";
import { formatMatchers, matchesAll, parseMatchers } from "../../../ui/src/matchers.js";

const labels = { alertname: "cpu/a", host: "a", severity: "critical", topic: "main:cpu:alert2" };

describe("console matchers", () => {
  it("parses quoted and bare values, braces and all four operators", () => {
    expect(parseMatchers('{host="a", severity=~"crit.*"}')).toEqual([
      { name: "host", value: "a", isRegex: false, isEqual: true },
      { name: "severity", value: "crit.*", isRegex: true, isEqual: true },
    ]);
    expect(parseMatchers("host!=b,dc!~eu-.*")).toEqual([
      { name: "host", value: "b", isRegex: false, isEqual: false },
      { name: "dc", value: "eu-.*", isRegex: true, isEqual: false },
    ]);
    expect(parseMatchers('  msg="a, \\"b\\""  ')[0]?.value).toBe('a, "b"');
    expect(parseMatchers("")).toEqual([]);
  });

  it("round-trips through formatMatchers", () => {
    const text = 'alertname="cpu/a", topic!="x", host=~"a|b", dc!~"eu-.*"';
    expect(formatMatchers(parseMatchers(text))).toBe(text);
  });

  it("names what is wrong", () => {
    expect(() => parseMatchers("host")).toThrow("expected =, !=, =~ or !~ after host");
    expect(() => parseMatchers('host="a')).toThrow("unterminated quoted value for host");
    expect(() => parseMatchers("host=~(")).toThrow(/invalid regular expression "\("/);
    expect(() => parseMatchers('host="a" dc="b"')).toThrow('expected "," after the matcher on host');
    expect(() => parseMatchers("9x=a")).toThrow("expected a label name");
  });

  it("matches as Alertmanager: anchored regexes, a missing label as empty", () => {
    const m = (t: string): boolean => matchesAll(parseMatchers(t), labels);
    expect(m('host="a"')).toBe(true);
    expect(m('host="a", severity="warning"')).toBe(false);
    expect(m('severity=~"crit"')).toBe(false);
    expect(m('severity=~"crit.*"')).toBe(true);
    expect(m('host!~"b|c"')).toBe(true);
    expect(m('dc=""')).toBe(true);
    expect(m('dc!=""')).toBe(false);
    expect(m('dc=~".*"')).toBe(true);
    expect(m("")).toBe(true);
  });
});
