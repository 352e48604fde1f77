// group_by.go: the dimensions are the named tags (or, with *, every tag of the point, sorted),
// minus those given to .exclude(); Kapacitor appends each .exclude() call's tags.
// With .byMeasurement() the id is the name, a newline, then the tags (models.ToGroupID).
import { describe, expect, it } from "vitest";
import { run } from "./harness.js";

const ids = (script: string, points: [Record<string, string>, number][]): string[] => {
  const r = run(script);
  for (const [tags, t] of points) r.write("m", tags, { v: 1 }, t);
  return r.events.map((e) => e.state.id);
};

describe("groupBy().exclude()", () => {
  const alert = `|alert().crit(lambda: TRUE).id('{{ .Group }}')`;

  it("groups by every tag but the excluded ones with *", () => {
    const got = ids(`stream|from().measurement('m')|groupBy(*).exclude('cpu')${alert}`, [
      [{ host: "a", cpu: "0", dc: "x" }, 1],
      [{ host: "a", cpu: "1", dc: "x" }, 2],
    ]);
    expect(got).toEqual(["dc=x,host=a", "dc=x,host=a"]);
  });

  it("accumulates repeated .exclude() calls and takes several tags per call", () => {
    const script = `stream|from().measurement('m')|groupBy(*).exclude('cpu').exclude('dc', 'rack')${alert}`;
    expect(ids(script, [[{ host: "a", cpu: "0", dc: "x", rack: "r" }, 1]])).toEqual(["host=a"]);
  });

  it("filters named dimensions too, and leaves the empty group when all are excluded", () => {
    expect(
      ids(`stream|from().measurement('m')|groupBy('host', 'dc').exclude('dc')${alert}`, [
        [{ host: "a", dc: "x" }, 1],
      ]),
    ).toEqual(["host=a"]);
    expect(
      ids(`stream|from().measurement('m')|groupBy(*).exclude('host')${alert}`, [[{ host: "a" }, 1]]),
    ).toEqual(["nil"]);
  });

  it("keeps byMeasurement alongside the exclusion", () => {
    const got = ids(`stream|from().measurement('m')|groupBy(*).exclude('cpu').byMeasurement()${alert}`, [
      [{ host: "a", cpu: "0" }, 1],
    ]);
    expect(got).toEqual(["m\nhost=a"]);
  });

  it("merges excluded-tag series into one window", () => {
    const r = run(
      `stream|from().measurement('m')|groupBy(*).exclude('cpu')|window().period(2s).every(2s)|count('v')|alert().crit(lambda: TRUE).id('{{ .Group }}')`,
    );
    for (const cpu of ["0", "1", "2"]) r.write("m", { host: "a", cpu }, { v: 1 }, 0);
    r.write("m", { host: "a", cpu: "0" }, { v: 1 }, 2);
    expect(r.events.map((e) => [e.state.id, e.data.fields.count, e.data.tags])).toEqual([
      ["host=a", 3n, { host: "a" }],
    ]);
  });
});
