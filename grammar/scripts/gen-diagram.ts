/**
 * Writes grammar/diagram.html, the railroad diagram of the TICKscript grammar, so the docs
 * always show the grammar that actually runs. `npm run diagram`.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createSyntaxDiagramsCode } from "chevrotain";
import { tickParser } from "../parser.js";

const target = fileURLToPath(new URL("../../../grammar/diagram.html", import.meta.url));
writeFileSync(target, createSyntaxDiagramsCode(tickParser.getSerializedGastProductions()));
console.log(`wrote ${target}`);
