import { describe, expect, it } from "vitest";
import { applyPatch, decodePatch, JsonPatchError, jsonEqual } from "../../../src/server/http/json-patch.js";

function patch(doc: unknown, ops: unknown): unknown {
  return applyPatch(doc, decodePatch(ops));
}

function failure(doc: unknown, ops: unknown): JsonPatchError {
  try {
    patch(doc, ops);
  } catch (e) {
    if (e instanceof JsonPatchError) return e;
    throw e;
  }
  throw new Error("expected the patch to fail");
}

describe("JSON patch (RFC 6902 appendix A)", () => {
  it("adds an object member and an array element", () => {
    expect(patch({ foo: "bar" }, [{ op: "add", path: "/baz", value: "qux" }])).toEqual({
      foo: "bar",
      baz: "qux",
    });
    expect(patch({ foo: ["bar", "baz"] }, [{ op: "add", path: "/foo/1", value: "qux" }])).toEqual({
      foo: ["bar", "qux", "baz"],
    });
    expect(patch({ foo: [1] }, [{ op: "add", path: "/foo/-", value: 2 }])).toEqual({ foo: [1, 2] });
  });

  it("removes object members and array elements", () => {
    expect(patch({ baz: "qux", foo: "bar" }, [{ op: "remove", path: "/baz" }])).toEqual({ foo: "bar" });
    expect(patch({ foo: ["bar", "qux", "baz"] }, [{ op: "remove", path: "/foo/1" }])).toEqual({
      foo: ["bar", "baz"],
    });
  });

  it("replaces, moves and copies", () => {
    expect(patch({ baz: "qux", foo: "bar" }, [{ op: "replace", path: "/baz", value: "boo" }])).toEqual({
      baz: "boo",
      foo: "bar",
    });
    expect(
      patch({ foo: { bar: "baz", waldo: "fred" }, qux: { corge: "grault" } }, [
        { op: "move", from: "/foo/waldo", path: "/qux/thud" },
      ]),
    ).toEqual({ foo: { bar: "baz" }, qux: { corge: "grault", thud: "fred" } });
    expect(
      patch({ foo: ["all", "grass", "cows", "eat"] }, [{ op: "move", from: "/foo/1", path: "/foo/3" }]),
    ).toEqual({
      foo: ["all", "cows", "eat", "grass"],
    });
    expect(patch({ a: { b: 1 } }, [{ op: "copy", from: "/a", path: "/c" }])).toEqual({
      a: { b: 1 },
      c: { b: 1 },
    });
  });

  it("tests values with JSON equality", () => {
    const doc = { baz: "qux", foo: ["a", 2, "c"] };
    expect(
      patch(doc, [
        { op: "test", path: "/baz", value: "qux" },
        { op: "test", path: "/foo/1", value: 2 },
      ]),
    ).toEqual(doc);
    expect(failure({ baz: "qux" }, [{ op: "test", path: "/baz", value: "bar" }]).kind).toBe("apply");
    expect(jsonEqual({ a: 1, b: [1, { c: 2 }] }, { b: [1, { c: 2 }], a: 1 })).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
  });

  it("unescapes ~0 and ~1 in pointers", () => {
    expect(
      patch({ "a/b": 1, "m~n": 2 }, [
        { op: "remove", path: "/a~1b" },
        { op: "replace", path: "/m~0n", value: 3 },
      ]),
    ).toEqual({ "m~n": 3 });
  });

  it("replaces the whole document with an empty path", () => {
    expect(patch({ a: 1 }, [{ op: "replace", path: "", value: { b: 2 } }])).toEqual({ b: 2 });
  });

  it("fails on a missing parent, an out-of-range index or a move into a child", () => {
    expect(failure({ foo: "bar" }, [{ op: "add", path: "/baz/bat", value: "qux" }]).message).toBe(
      "path not found: /baz/bat",
    );
    expect(failure({ foo: [1] }, [{ op: "add", path: "/foo/5", value: 2 }]).message).toBe(
      "array index 5 out of range in /foo/5",
    );
    expect(failure({ foo: [1] }, [{ op: "remove", path: "/foo/01" }]).message).toBe(
      'invalid array index "01" in /foo/01',
    );
    expect(failure({ a: { b: {} } }, [{ op: "move", from: "/a", path: "/a/b/c" }]).message).toMatch(
      /own child/,
    );
  });

  it("leaves the input untouched when a later operation fails", () => {
    const doc = { a: 1 };
    failure(doc, [
      { op: "add", path: "/b", value: 2 },
      { op: "remove", path: "/zzz" },
    ]);
    expect(doc).toEqual({ a: 1 });
  });

  it("rejects malformed patches as decode errors", () => {
    for (const ops of [
      {},
      [null],
      [{ op: "add", path: "/a" }],
      [{ op: "move", path: "/a" }],
      [{ op: "remove", path: "a" }],
    ]) {
      expect(() => decodePatch(ops)).toThrow(JsonPatchError);
    }
  });
});
