/**
 * Kapacitor's `alert.Data` as a template sees it (KAPACITOR-COMPAT.md §4): Go field names
 * `.ID .Message .Details .Time .Duration .Level .Data.Series .PreviousLevel .Recoverable`, a
 * GoTime and a GoDuration that print like Go's, levels as their names, and `{{ json . }}`
 * writing the same bytes as the alert JSON body (each object encodes as its json-tagged form).
 */
import { alertData, seriesJson } from "../alert/alert-json.js";
import type { AlertEvent, Series } from "../core/alert-event.js";
import { GO_JSON, GoDuration, GoTime, goMap, stringMap } from "../core/go-format.js";
import { levelName, type Level } from "../core/types.js";

/**
 * The details of an event as a person should read them: Kapacitor's default details (the
 * `{{ json . }}` blob, HTML-escaped, that a script without `.details()` produces) and empty
 * details are no description, so the message stands in for them.
 */
export function humanDescription(e: AlertEvent): string {
  const d = e.state.details;
  return d === "" || isDefaultDetails(d) ? e.state.message : d;
}

/** Kapacitor's default details: `{{ json . }}` over the details data, which starts with Name. */
export function isDefaultDetails(details: string): boolean {
  return details.startsWith("{&#34;Name&#34;:") && details.trimEnd().endsWith("}");
}

function rowData(s: Series): Record<string | symbol, unknown> {
  return {
    Name: s.name,
    Tags: stringMap(s.tags),
    Columns: s.columns,
    Values: s.values.map((row) => row.map((v, i) => (i === 0 && typeof v === "bigint" ? new GoTime(v) : v))),
    Partial: false,
    [GO_JSON]: () => seriesJson(s),
  };
}

/** The template data of an event: alert.Data with Go names. */
export function alertTemplateData(e: AlertEvent, previousLevel: Level): Record<string | symbol, unknown> {
  const series = e.data.series;
  return {
    ID: e.state.id,
    Message: e.state.message,
    Details: e.state.details,
    Time: new GoTime(e.state.time),
    Duration: new GoDuration(e.state.duration),
    Level: levelName(e.state.level),
    Data: {
      Series: series.map(rowData),
      Err: "",
      [GO_JSON]: () => ({ series: series.map(seriesJson) }),
    },
    PreviousLevel: levelName(previousLevel),
    Recoverable: e.data.recoverable,
    [GO_JSON]: () => alertData(e, previousLevel),
  };
}

/**
 * Kapacitor's `alert.TemplateData` (event.TemplateData()), what the sensu source and the
 * snmptrap data templates see: `.ID .Message .Level .Time .Duration .Name .TaskName .Group
 * .Tags .Fields` — no details, no series.
 */
export function eventTemplateData(e: AlertEvent): Record<string, unknown> {
  return {
    ID: e.state.id,
    Message: e.state.message,
    Level: levelName(e.state.level),
    Time: new GoTime(e.state.time),
    Duration: new GoDuration(e.state.duration),
    Name: e.data.name,
    TaskName: e.data.taskName,
    Group: e.data.group,
    Tags: stringMap(e.data.tags),
    Fields: goMap(e.data.fields),
  };
}
