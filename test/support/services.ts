/**
 * Where the real services of the integration suites are (DESIGN.md §10). `npm run
 * test:integration` starts them with `scripts/services.sh up` and sets the variables; run by hand,
 * start them once with `bash scripts/services.sh up` and export what `bash scripts/services.sh env`
 * prints. A missing service fails the test that needs it, naming the command — never a skip.
 *
 * ```ts
 * const kafka = new Kafka({ brokers: kafkaBrokers() });
 * await fetch(`${influxUrl()}/ping`);
 * ```
 */
import { execFileSync } from "node:child_process";
import { createServer } from "node:net";

/** `KAFKA_BROKERS` split on commas, e.g. `["127.0.0.1:19092"]`. */
export function kafkaBrokers(): string[] {
  const value = process.env.KAFKA_BROKERS?.trim();
  if (!value) {
    throw new Error("Kafka is not running: start it with 'bash scripts/services.sh up' or set KAFKA_BROKERS");
  }
  return value
    .split(",")
    .map((b) => b.trim())
    .filter((b) => b !== "");
}

/** `INFLUX_URL` without a trailing slash, e.g. `http://127.0.0.1:8086`. */
export function influxUrl(): string {
  const value = process.env.INFLUX_URL?.trim();
  if (!value) {
    throw new Error("InfluxDB is not running: start it with 'bash scripts/services.sh up' or set INFLUX_URL");
  }
  return value.replace(/\/+$/, "");
}

/** A name no other test run uses: topics, consumer groups and databases outlive a test. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * The path of an installed command (Debian packages the suites run: `amtool`, `prometheus`);
 * throws naming the package to install when it is missing.
 */
export function requireBinary(name: string, debianPackage: string): string {
  try {
    return execFileSync("which", [name], { encoding: "utf8" }).trim();
  } catch {
    throw new Error(
      `${name} is not installed: run 'bash scripts/services.sh up' (it installs it) or apt-get install -y ${debianPackage}`,
    );
  }
}

/** A TCP port free on 127.0.0.1 right now (for services that cannot listen on port 0). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr !== null ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}
