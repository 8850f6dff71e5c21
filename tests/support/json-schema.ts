import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv2020, type ErrorObject } from "ajv/dist/2020.js";
import type { EventKind } from "../../shared/events/kinds";

/** The JSON Schemas keyrotor publishes for output people script against (docs/schemas/). */
export type PublishedSchema = "run" | "report" | `events/${EventKind}`;

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

const ajv = new Ajv2020({ allErrors: true, strict: true });
// RFC 3339 date-time, as keyrotor writes every instant; ajv-formats would be a dependency for one format.
ajv.addFormat("date-time", (s: string) => ISO_INSTANT.test(s) && !Number.isNaN(Date.parse(s)));

const compiled = new Map<PublishedSchema, ReturnType<typeof ajv.compile>>();

function validatorOf(name: PublishedSchema) {
  let validate = compiled.get(name);
  if (validate === undefined) {
    const path = join(import.meta.dirname, "..", "..", "docs", "schemas", `${name}.schema.json`);
    validate = ajv.compile(JSON.parse(readFileSync(path, "utf8")));
    compiled.set(name, validate);
  }
  return validate;
}

const describe = (errors: readonly ErrorObject[]) =>
  errors.map((e) => `${e.instancePath || "/"} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ""}`);

/** The problems of `value` against the published schema, one line each; empty when it conforms. */
export function schemaProblems(name: PublishedSchema, value: unknown): string[] {
  const validate = validatorOf(name);
  return validate(value) ? [] : describe(validate.errors ?? []);
}
