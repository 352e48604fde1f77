import { describe, expect, it } from "vitest";

import { loadConfig, redactConfig, REDACTED } from "../../../src/config/index.js";
import { confFile } from "./helpers.js";

describe("redactConfig", () => {
  const file = confFile(`
[http]
  shared-secret = "jwt-key"
[[http.users]]
  username = "alice"
  password = "alice-pw"
[victorops]
  enabled = true
  api-key = "vo-key"
  routing-key = "team"
[[httppost]]
  endpoint = "a"
  url = "https://a.example.com"
  headers = { Authorization = "Bearer t", X-Api-Key = "k", Content-Type = "application/json" }
  basic-auth = { username = "u", password = "post-pw" }
[[escalation]]
  name = "e"
  url = "https://e.example.com"
  auth-key = "hmac-key"
[[influxdb]]
  name = "i"
  username = "admin"
  password = "influx-pw"
  token = ""
[[kafka]]
  id = "k"
  sasl-username = "su"
  sasl-password = "sasl-pw"
`);

  it("replaces every secret that is set by <redacted> and keeps everything else", () => {
    const { config } = loadConfig({ file, env: {} });
    const r = redactConfig(config);
    expect(r.http.sharedSecret).toBe(REDACTED);
    expect(r.http.users).toEqual([{ username: "alice", password: REDACTED, readOnly: false }]);
    expect(r.victorops).toMatchObject({ apiKey: REDACTED, routingKey: "team" });
    expect(r.httppost[0]?.headers).toEqual({
      Authorization: REDACTED,
      "X-Api-Key": REDACTED,
      "Content-Type": "application/json",
    });
    expect(r.httppost[0]?.basicAuth).toEqual({ username: "u", password: REDACTED });
    expect(r.escalation[0]?.authKey).toBe(REDACTED);
    expect(r.influxdb[0]).toMatchObject({ username: "admin", password: REDACTED, token: "" }); // unset stays ""
    expect(r.kafka[0]).toMatchObject({ saslUsername: "su", saslPassword: REDACTED });
  });

  it("leaves no secret value anywhere in the output", () => {
    const json = JSON.stringify(redactConfig(loadConfig({ file, env: {} }).config));
    for (const secret of [
      "jwt-key",
      "alice-pw",
      "vo-key",
      "Bearer t",
      "post-pw",
      "hmac-key",
      "influx-pw",
      "sasl-pw",
    ])
      expect(json).not.toContain(secret);
  });

  it("returns a frozen copy and leaves the config untouched", () => {
    const { config } = loadConfig({ file, env: {} });
    const r = redactConfig(config);
    expect(r).not.toBe(config);
    expect(Object.isFrozen(r.httppost[0]?.headers)).toBe(true);
    expect(config.victorops.apiKey).toBe("vo-key");
    // No secrets set but [snmptrap] community, whose default "kapacitor" Kapacitor redacts too.
    const plain = loadConfig({ env: {} }).config;
    expect(redactConfig(plain)).toEqual({
      ...plain,
      snmptrap: { ...plain.snmptrap, community: "<redacted>" },
    });
  });
});
