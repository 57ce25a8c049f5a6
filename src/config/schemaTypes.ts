// The types that tie the configuration schema (configSchema.ts) to the configuration type
// (PipelineConfig.ts): `Schema<T>` is the schema of a value of type T, in the part of JSON
// Schema the configuration uses, so a schema that disagrees with the type fails `tsc`.
//
// What must agree, per key: the key itself (no key on one side only), its JSON type (a
// `T | null` key says `type: [..., 'null']`, and only such a key), its enum (exactly the
// members of a literal union, see `oneOf`), a tuple's length (minItems = maxItems = length),
// and its default (every key the type requires has a default of its type: the loader fills
// them, so an empty file is a valid configuration; a key the type leaves optional has none).
// The one exception is a key with no sensible default inside a section that may be null
// (a grid's size): `given` marks it, and its section lists it in `required`.
//
// Not Ajv's JSONSchemaType<T>: it has no way to write a required `string | null` key as
// `type: ['string', 'null']` (nor as `nullable: true`, which it reserves for optional keys),
// it accepts a plain `{ type: 'string' }` for `string | null`, and it checks neither that
// required keys have defaults nor that an enum lists every member.

export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** Any schema node, untyped: the view of code that walks the schema (loadConfig, configDocs). */
export interface SchemaNode {
  readonly type?: string | readonly string[];
  readonly description?: string;
  readonly default?: Json;
  readonly enum?: readonly Json[];
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly pattern?: string;
  readonly format?: string;
  readonly required?: readonly string[];
  readonly items?: SchemaNode;
  readonly properties?: { readonly [key: string]: SchemaNode };
  readonly additionalProperties?: boolean | SchemaNode;
}

declare const members: unique symbol;

/** An enum that lists every member of U and nothing else. The brand is a parameter type, so
 * Enum<A> is assignable to Enum<B> only when A and B are the same union; `oneOf` makes one. */
export type Enum<U> = readonly U[] & { readonly [members]: (member: U) => void };

/** The enum of exactly the values given (order as written): `enum: oneOf('v1', 'v2')`. */
export function oneOf<const V extends readonly Json[]>(...values: V): Enum<V[number]> {
  // The brand exists only in the type; Ajv gets the plain array.
  return values as unknown as Enum<V[number]>;
}

/** The `format`s registered with Ajv (loadConfig.ts). */
export type Format = 'zmq-connect';

export interface NumberKeywords {
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
}

interface StringKeywords {
  readonly pattern?: string;
  readonly format?: Format;
}

/** The JSON type name of a non-null value of type U (never: not expressible here). */
type TypeName<U> = [U] extends [boolean]
  ? 'boolean'
  : [U] extends [number]
    ? 'number' | 'integer'
    : [U] extends [string]
      ? 'string'
      : [U] extends [readonly unknown[]]
        ? 'array'
        : [U] extends [object]
          ? 'object'
          : never;

/** The keywords other than `type` of a node for T (T may include null). */
type Keywords<T, U = Exclude<T, null>> = [U] extends [boolean]
  ? object
  : [U] extends [number]
    ? number extends U
      ? NumberKeywords
      : { readonly enum: Enum<T> }
    : [U] extends [string]
      ? string extends U
        ? StringKeywords
        : { readonly enum: Enum<T> }
      : [U] extends [readonly [unknown, ...unknown[]]]
        ? { readonly items: Schema<U[number]>; readonly minItems: U['length']; readonly maxItems: U['length'] }
        : [U] extends [readonly (infer E)[]]
          ? { readonly items: Schema<E>; readonly minItems?: number; readonly maxItems?: number }
          : [U] extends [object]
            ? {
                readonly properties: Properties<U>;
                readonly additionalProperties: false;
                readonly required?: readonly (keyof U & string)[];
              }
            : never;

/** The schema of a value of type T. */
export type Schema<T> = Keywords<T> & {
  readonly type: null extends T ? readonly [TypeName<Exclude<T, null>>, 'null'] : TypeName<T>;
};

/** The schema of a key whose value has type V (undefined in V: the key is optional). */
export type Property<V> = undefined extends V
  ? Schema<Exclude<V, undefined>> & { readonly description: string; readonly default?: never }
  : Schema<V> & { readonly description: string; readonly default: Default<V> };

/** A key's default: a value of its type; for a section, `{}` (the loader fills in its keys'
 * defaults) or, when the section may be null, null. */
type Default<V> = [Exclude<V, null>] extends [readonly unknown[]]
  ? V
  : [Exclude<V, null>] extends [object]
    ? Record<string, never> | (null extends V ? null : never)
    : V;

/** The `properties` of an object of type U: one per key, no more. */
export type Properties<U> = { readonly [K in keyof U]-?: Property<U[K]> };

/** A key the file must give when it gives its section: no default, and the section lists it in
 * `required` (the configuration test checks that every key without a default is so listed). */
export function given<V>(node: Schema<V> & { readonly description: string }): Property<V> {
  // The type says every required key has a default; this key is filled by the file instead.
  return node as unknown as Property<V>;
}
