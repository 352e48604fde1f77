/**
 * InfluxDB 1.x helpers of the batch integration suites: the URL (checked with a ping, failing
 * with the command that starts it) and an `[[influxdb]]` section pointing at it.
 */
import type { InfluxDBConfig } from "../../src/config/types.js";
import { influxUrl as configuredUrl } from "./services.js";

export async function influxUrl(): Promise<string> {
  const url = configuredUrl();
  try {
    const res = await fetch(`${url}/ping`);
    if (res.status === 204 || res.status === 200) return url;
    throw new Error(`status ${res.status}`);
  } catch (e) {
    throw new Error(
      `InfluxDB is not reachable at ${url} (${(e as Error).message}): start it with 'bash scripts/services.sh up'`,
    );
  }
}

export function influxConfig(url: string, over: Partial<InfluxDBConfig> = {}): InfluxDBConfig {
  return {
    enabled: true,
    name: "default",
    default: true,
    urls: [url],
    username: "",
    password: "",
    token: "",
    sslCa: "",
    sslCert: "",
    sslKey: "",
    insecureSkipVerify: false,
    timeout: 10e9,
    disableSubscriptions: true,
    subscriptionProtocol: "http",
    subscriptionMode: "cluster",
    subscriptions: {},
    excludedSubscriptions: {},
    kapacitorHostname: "",
    httpPort: 0,
    startupTimeout: 0,
    subscriptionsSyncInterval: 0,
    ...over,
  };
}
