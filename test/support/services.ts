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
