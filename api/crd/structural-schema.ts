/**
 * Turns the JSON Schema zod writes for a spec (`z.toJSONSchema`, draft 2020-12) into a
 * Kubernetes structural schema (OpenAPI v3.0 with Kubernetes' extensions), so a CRD
 * validates and defaults what the operator will parse, from the one schema source.
 *
 * What differs, and how it is carried over:
 * - a discriminated union (`oneOf` of objects) becomes one object with every branch's
 *   properties; the discriminator's values become an enum, and each branch's required
 *   fields a CEL rule (`x-kubernetes-validations`) that applies when its value is set.
 *   A property only some branches have keeps no default: the API server would add it
 *   to the others' objects.
 * - a union of different kinds (a string or a list) keeps any value
 *   (`x-kubernetes-preserve-unknown-fields`); zod checks it where it is parsed.
 * - `const` becomes a one-value enum; a numeric `exclusiveMinimum` the 3.0 boolean form;
 *   `propertyNames` a CEL rule on the map's keys; `additionalProperties: {}` keeps
 *   unknown fields.
 * Checks zod runs in code (a cron schedule, a time zone) stay with zod: the operator
 * reports them in status.
 */

/** The keywords both dialects spell alike: toStructural carries them over as they are (SAME). */
interface SharedKeywords {
  type?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
}

export interface JsonSchema extends SharedKeywords {
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  propertyNames?: JsonSchema;
  items?: JsonSchema;
  oneOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  // Draft 2020-12 writes the bound itself here; OpenAPI 3.0 a flag beside minimum/maximum.
  exclusiveMinimum?: number | boolean;
  exclusiveMaximum?: number | boolean;
  [key: string]: unknown;
}

export interface StructuralSchema extends SharedKeywords {
  properties?: Record<string, StructuralSchema>;
  required?: string[];
  additionalProperties?: StructuralSchema;
  items?: StructuralSchema;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-validations'?: { rule: string; message: string }[];
}

/** SharedKeywords' names; listed as an object so that the compiler finds one missing or unknown. */
const SAME = Object.keys({
  type: true,
  description: true,
  default: true,
  enum: true,
  pattern: true,
  format: true,
  minLength: true,
  maxLength: true,
  minimum: true,
  maximum: true,
  minItems: true,
  maxItems: true,
} satisfies Record<keyof SharedKeywords, true>) as (keyof SharedKeywords)[];

export function toStructural(schema: JsonSchema): StructuralSchema {
  const union = schema.oneOf ?? schema.anyOf;
  if (union) return unionToStructural(union, schema.description);
  const out: StructuralSchema = {};
  for (const key of SAME) if (schema[key] !== undefined) (out as Record<string, unknown>)[key] = schema[key];
  if (schema.const !== undefined) out.enum = [schema.const];
  if (typeof schema.exclusiveMinimum === 'number') {
    out.minimum = schema.exclusiveMinimum;
    out.exclusiveMinimum = true;
  }
  if (typeof schema.exclusiveMaximum === 'number') {
    out.maximum = schema.exclusiveMaximum;
    out.exclusiveMaximum = true;
  }
  if (schema.items) out.items = toStructural(schema.items);
  if (schema.type !== 'object') return out;

  if (schema.properties) {
    out.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([name, property]) => [name, toStructural(property)]),
    );
    if (schema.required?.length) out.required = [...schema.required];
  }
  const extra = schema.additionalProperties;
  if (typeof extra === 'object' && Object.keys(extra).length > 0) {
    out.additionalProperties = toStructural(extra);
  } else if (extra === true || typeof extra === 'object' || !schema.properties) {
    // A map of anything, or an object zod leaves open (`.loose()`). Without this the API
    // server drops unknown fields, as zod's plain objects do.
    out['x-kubernetes-preserve-unknown-fields'] = true;
  }
  const keyPattern = schema.propertyNames?.pattern;
  if (keyPattern) {
    addRule(out, `self.all(k, k.matches(${celString(keyPattern)}))`, `every key must match ${keyPattern}`);
  }
  return out;
}

function unionToStructural(branches: JsonSchema[], description: string | undefined): StructuralSchema {
  const converted = branches.map(toStructural);
  if (!converted.every((branch) => branch.type === 'object' && branch.properties)) {
    return { ...(description ? { description } : {}), 'x-kubernetes-preserve-unknown-fields': true };
  }
  const merged = mergeObjects(converted);
  if (description) merged.description = description;
  // Which branch an object is: the property every branch has with a fixed set of values.
  const discriminator = Object.keys(merged.properties!).find((name) =>
    converted.every((branch) => branch.properties![name]?.enum !== undefined),
  );
  if (discriminator) {
    for (const branch of converted) {
      const required = (branch.required ?? []).filter((name) => name !== discriminator);
      const values = branch.properties![discriminator]!.enum!;
      const when = values.map((value) => `self.${discriminator} == ${celString(String(value))}`).join(' || ');
      for (const path of requiredPaths(branch, required)) {
        addRule(
          merged,
          `!(${when}) || ${path.check}`,
          `${path.name} is required when ${discriminator} is ${values.join(' or ')}`,
        );
      }
    }
  }
  return merged;
}

/** The checks for a branch's required fields, and for the required fields of those that are objects. */
function requiredPaths(branch: StructuralSchema, required: string[]): { name: string; check: string }[] {
  const paths: { name: string; check: string }[] = [];
  for (const name of required) {
    paths.push({ name, check: `has(self.${name})` });
    const property = branch.properties![name]!;
    for (const inner of property.required ?? []) {
      paths.push({ name: `${name}.${inner}`, check: `has(self.${name}) && has(self.${name}.${inner})` });
    }
  }
  return paths;
}

/** One object with the properties of all: same-named properties merged, required only if all require it. */
function mergeObjects(objects: StructuralSchema[]): StructuralSchema {
  const names = [...new Set(objects.flatMap((object) => Object.keys(object.properties ?? {})))];
  const properties: Record<string, StructuralSchema> = {};
  for (const name of names) {
    const present = objects.map((object) => object.properties?.[name]).filter((p) => p !== undefined);
    const merged = mergeProperty(present);
    if (present.length < objects.length) delete merged.default;
    properties[name] = merged;
  }
  const required = names.filter((name) => objects.every((object) => object.required?.includes(name)));
  const out: StructuralSchema = { type: 'object', properties };
  if (required.length > 0) out.required = required;
  if (objects.some((object) => object['x-kubernetes-preserve-unknown-fields']))
    out['x-kubernetes-preserve-unknown-fields'] = true;
  return out;
}

function mergeProperty(schemas: StructuralSchema[]): StructuralSchema {
  if (schemas.length === 1) return { ...schemas[0]! };
  if (schemas.every((schema) => schema.type === 'object')) {
    const merged = mergeObjects(schemas);
    const descriptions = schemas.map((schema) => schema.description).filter((d) => d !== undefined);
    if (descriptions.length > 0) merged.description = descriptions[0];
    return merged;
  }
  if (schemas.every((schema) => schema.type === schemas[0]!.type)) {
    const merged: StructuralSchema = { ...schemas[0]! };
    if (schemas.every((schema) => schema.enum)) merged.enum = [...new Set(schemas.flatMap((s) => s.enum!))];
    else delete merged.enum;
    if (!schemas.every((schema) => JSON.stringify(schema.default) === JSON.stringify(merged.default)))
      delete merged.default;
    return merged;
  }
  return { 'x-kubernetes-preserve-unknown-fields': true };
}

function addRule(schema: StructuralSchema, rule: string, message: string): void {
  const rules = schema['x-kubernetes-validations'] ?? [];
  rules.push({ rule, message });
  schema['x-kubernetes-validations'] = rules;
}

/** A CEL string literal. */
function celString(value: string): string {
  return `'${value.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
}
