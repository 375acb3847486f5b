import { badRequest } from "../errors";

/**
 * Request and response schemas for the route declarations (js/src/routes.ts).
 * One declaration is read three ways: `parse` validates a request, `schema`
 * is its JSON Schema in the OpenAPI document (js/src/openapi.ts), and the
 * phantom type `T` is what handlers receive and what `hybrid-auth/client`'s
 * methods take and return. The rules are data (lengths, patterns, bounds),
 * and both `parse` and `schema` read that same data, so the document cannot
 * drift from what is enforced.
 *
 * Why not valibot + @valibot/to-json-schema: measured with esbuild
 * (minified), the two add ~18.5 KB (5 KB gzipped) to the Worker for these
 * bodies, of which 13 KB is the converter; this module adds ~3 KB. And the
 * rules the API has had since issue 7 do not map onto valibot's actions:
 * lengths count code points (valibot's maxLength counts UTF-16 units; JSON
 * Schema's maxLength counts code points, like ours), every field's presence
 * and type is checked before any content rule (valibot checks field by
 * field), and a missing field is `missing_field` while a wrong one is
 * `invalid_field` (the codes js/test/validation.test.ts and
 * hostile.test.ts pin). Custom valibot checks would be invisible to the
 * converter, so the document would be hand-patched, which is what this avoids.
 */

/** A JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1). */
export type JsonSchema = { readonly [keyword: string]: unknown };

/** C0/C1 controls and the Unicode line/paragraph separators (fields.ts's rule). */
export const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/**
 * One field of a request body or query. Checking is in two phases across
 * all fields: `shape` (JSON type) for every field first, then `refine`
 * (content rules), so the first error a client sees is about the shape of
 * what it sent (issue 7).
 */
export interface Field<T> {
  readonly schema: JsonSchema;
  /** Absent (or null) is allowed, and then the handler gets `fallback`. */
  readonly optional: boolean;
  readonly fallback?: T;
  /** Phase 1, on a present value: its type; throws `invalid_field`. */
  shape(value: unknown, name: string): unknown;
  /** Phase 2, on phase 1's result: content rules; returns the value the handler gets. */
  refine(value: unknown, name: string): T;
}

export type FieldsOf<T> = { readonly [K in keyof T]: Field<T[K]> };

/** A JSON object body (or a query string) made of named fields, checked in declaration order. */
export interface ObjectSpec<T> {
  readonly kind: "object";
  readonly fields: FieldsOf<T>;
  readonly schema: JsonSchema;
  /** Throws `missing_field` / `invalid_field` (400) naming the field. */
  parse(input: Readonly<Record<string, unknown>>): T;
}

/** What a schema declaration validates to. */
export type Infer<S> = S extends ObjectSpec<infer T> ? T : S extends Field<infer T> ? T : S extends Shape<infer T> ? T : never;

/** Code points, so an emoji counts as one character (and JSON Schema's maxLength counts the same way). */
export function charLength(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

export interface TextRules {
  description: string;
  /** Remove surrounding white space before the checks (and hand the trimmed text on). */
  trim?: boolean;
  lowercase?: boolean;
  minLength?: number;
  maxLength?: number;
  /** Refuse C0/C1 controls and U+2028/2029. */
  noControls?: boolean;
  pattern?: RegExp;
  /** Said when `pattern` does not match. */
  patternMessage?: string;
  format?: string;
  examples?: string[];
}

function lengthMessage(name: string, min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `${name} must be ${min} to ${max} characters`;
  if (min !== undefined) return `${name} must be at least ${min} characters`;
  return `${name} must be at most ${max} characters`;
}

/** A string field. */
export function text(rules: TextRules): Field<string> {
  const schema: Record<string, unknown> = { type: "string", description: rules.description };
  if (rules.minLength !== undefined) schema.minLength = rules.minLength;
  if (rules.maxLength !== undefined) schema.maxLength = rules.maxLength;
  if (rules.pattern) schema.pattern = rules.pattern.source;
  if (rules.noControls) schema.not = { pattern: CONTROL.source };
  if (rules.format) schema.format = rules.format;
  if (rules.examples) schema.examples = rules.examples;
  return {
    schema,
    optional: false,
    shape(value, name) {
      if (typeof value !== "string") throw badRequest("invalid_field", `${name} must be a string`);
      return value;
    },
    refine(value, name) {
      let result = value as string;
      if (rules.trim) result = result.trim();
      if (rules.lowercase) result = result.toLowerCase();
      const length = charLength(result);
      if ((rules.minLength !== undefined && length < rules.minLength) || (rules.maxLength !== undefined && length > rules.maxLength)) {
        throw badRequest("invalid_field", lengthMessage(name, rules.minLength, rules.maxLength));
      }
      if (rules.noControls && CONTROL.test(result)) throw badRequest("invalid_field", `${name} must not contain control characters`);
      if (rules.pattern && !rules.pattern.test(result)) throw badRequest("invalid_field", rules.patternMessage ?? `${name} is not valid`);
      return result;
    },
  };
}

/** true or false. */
export function flag(description: string): Field<boolean> {
  return {
    schema: { type: "boolean", description },
    optional: false,
    shape(value, name) {
      if (typeof value !== "boolean") throw badRequest("invalid_field", `${name} must be true or false`);
      return value;
    },
    refine: (value) => value as boolean,
  };
}

export interface QueryIntegerRules {
  description: string;
  minimum: number;
  maximum: number;
}

/** A whole number in a query string ("30"): digits only, within bounds. */
export function queryInteger(rules: QueryIntegerRules): Field<number> {
  const digits = new RegExp(`^[0-9]{1,${String(rules.maximum).length}}$`);
  return {
    schema: { type: "integer", description: rules.description, minimum: rules.minimum, maximum: rules.maximum },
    optional: false,
    shape(value, name) {
      if (typeof value !== "string" || !digits.test(value)) throw outOfRange(name, rules);
      return Number(value);
    },
    refine(value, name) {
      const n = value as number;
      if (n < rules.minimum || n > rules.maximum) throw outOfRange(name, rules);
      return n;
    },
  };
}

function outOfRange(name: string, rules: QueryIntegerRules) {
  return badRequest("invalid_field", `${name} must be a whole number from ${rules.minimum} to ${rules.maximum}`);
}

/**
 * A field with its own parser (e.g. the WebAuthn credential JSON, whose
 * checks compare fields with each other), and the JSON Schema written next
 * to that parser from the same constants. The parser runs whole in phase 1.
 */
export function custom<T>(schema: JsonSchema, parse: (value: unknown, name: string) => T): Field<T> {
  return { schema, optional: false, shape: parse, refine: (value) => value as T };
}

/** The same field, allowed to be absent (or null): the handler then gets `fallback`. */
export function optional<T>(field: Field<T>, fallback: T): Field<T> {
  const schema = fallback === undefined ? field.schema : { ...field.schema, default: fallback };
  return { ...field, schema, optional: true, fallback };
}

/** A JSON object body / query string of named fields. */
export function object<T>(fields: FieldsOf<T>, description?: string): ObjectSpec<T> {
  const names = Object.keys(fields) as (keyof T & string)[];
  const properties: Record<string, JsonSchema> = {};
  const required: string[] = [];
  for (const name of names) {
    const field = fields[name];
    properties[name] = field.schema;
    if (!field.optional) required.push(name);
  }
  const schema: Record<string, unknown> = { type: "object", properties };
  if (required.length) schema.required = required;
  if (description) schema.description = description;
  return {
    kind: "object",
    fields,
    schema,
    parse(input) {
      const shaped: Partial<Record<keyof T, unknown>> = {};
      for (const name of names) {
        // Own keys only: a "__proto__" or "constructor" key is data, never a field.
        const value = Object.hasOwn(input, name) ? input[name] : undefined;
        const field = fields[name];
        if (value === undefined || value === null) {
          if (!field.optional) throw badRequest("missing_field", `${name} is required`);
          continue;
        }
        shaped[name] = field.shape(value, name);
      }
      const result = {} as T;
      for (const name of names) {
        const field = fields[name];
        result[name] = name in shaped ? field.refine(shaped[name], name) : (field.fallback as T[typeof name]);
      }
      return result;
    },
  };
}

/**
 * A response shape: documentation and a type, never checked at run time
 * (handlers build their answers from typed values; the type ties them to it).
 */
export interface Shape<T> {
  readonly schema: JsonSchema;
  /** Phantom: carries T for Infer<>. */
  readonly _type?: T;
}

export const out = {
  string: (description?: string, extra: JsonSchema = {}): Shape<string> => ({ schema: { type: "string", ...(description ? { description } : {}), ...extra } }),
  integer: (description?: string): Shape<number> => ({ schema: { type: "integer", ...(description ? { description } : {}) } }),
  number: (description?: string): Shape<number> => ({ schema: { type: "number", ...(description ? { description } : {}) } }),
  boolean: (description?: string): Shape<boolean> => ({ schema: { type: "boolean", ...(description ? { description } : {}) } }),
  literal: <const V extends string | boolean>(...values: V[]): Shape<V> => ({ schema: { enum: values } }),
  nullable: <T>(inner: Shape<T>): Shape<T | null> => ({ schema: { anyOf: [inner.schema, { type: "null" }] } }),
  array: <T>(item: Shape<T>, description?: string): Shape<T[]> => ({ schema: { type: "array", items: item.schema, ...(description ? { description } : {}) } }),
  /** Any JSON object (e.g. WebAuthn options, whose shape is the WebAuthn spec's). */
  json: <T = Record<string, unknown>>(description: string): Shape<T> => ({ schema: { type: "object", description } }),
  record: (value: Shape<number>, description?: string): Shape<Record<string, number>> => ({
    schema: { type: "object", additionalProperties: value.schema, ...(description ? { description } : {}) },
  }),
  object: <P extends Record<string, Shape<unknown>>, O extends Record<string, Shape<unknown>> = Record<never, Shape<unknown>>>(
    properties: P,
    optionalProperties?: O,
    description?: string,
  ): Shape<{ [K in keyof P]: Infer<P[K]> } & { [K in keyof O]?: Infer<O[K]> }> => {
    const all: Record<string, JsonSchema> = {};
    for (const [k, v] of Object.entries(properties)) all[k] = v.schema;
    for (const [k, v] of Object.entries(optionalProperties ?? {})) all[k] = v.schema;
    return { schema: { type: "object", properties: all, required: Object.keys(properties), ...(description ? { description } : {}) } };
  },
};

/** What a handler gets besides the context: its request, validated by the route's declaration. */
export interface RouteInput<B, Q> {
  /**
   * Reads the JSON body (../http/body.ts: media type, size, JSON object) and
   * checks it against `body`. Lazy, so a handler keeps its order of checks
   * (e.g. a 503 for missing passkey configuration comes before any 400).
   */
  body(): Promise<B>;
  /** The query string checked against `query`. */
  query(): Q;
}

