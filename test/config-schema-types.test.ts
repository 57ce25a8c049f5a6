// The schema types (src/config/schemaTypes.ts) refuse a schema that disagrees with its type.
// The refusals are checked by `npm run typecheck`: each `@ts-expect-error` line must fail tsc,
// so a schema type that stopped catching that drift fails the type check. The test below only
// checks that what the types accept is a schema Ajv accepts and fills as the type says.
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { oneOf, type Properties, type Property, type Schema } from '../src/config/schemaTypes.js';

interface Example {
  name: string;
  count: number;
  file: string | null;
  mode: 'a' | 'b';
  pair: [number, number];
  inner: { on: boolean };
}

const accept = <T>(schema: T): T => schema;

const name = { type: 'string', default: 'x', description: 'A name.' } as const;
const count = { type: 'integer', minimum: 0, default: 1, description: 'A count.' } as const;
const file = { type: ['string', 'null'], default: null, description: 'A file.' } as const;
const mode = { type: 'string', enum: oneOf('a', 'b'), default: 'a', description: 'A mode.' } as const;
const pair = accept<Property<[number, number]>>({
  type: 'array',
  items: { type: 'number' },
  minItems: 2,
  maxItems: 2,
  default: [0, 1],
  description: 'A pair.',
});
const on = { type: 'boolean', default: false, description: 'On.' } as const;
const inner = {
  type: 'object',
  properties: { on },
  additionalProperties: false,
  default: {},
  description: 'A section.',
} as const;

const example = accept<Schema<Example>>({
  type: 'object',
  additionalProperties: false,
  properties: { name, count, file, mode, pair, inner },
});

// A key on one side only.
// @ts-expect-error: a key the type does not have
accept<Properties<Example>>({ name, count, file, mode, pair, inner, other: name });
// @ts-expect-error: a key of the type missing
accept<Properties<Example>>({ name, count, file, mode, pair });

// The JSON type.
// @ts-expect-error: a string for a number
accept<Properties<Example>>({ name, count: name, file, mode, pair, inner });
// @ts-expect-error: a default of the wrong type
accept<Property<number>>({ type: 'number', default: '1', description: '' });

// Null.
// @ts-expect-error: `string | null` written as a plain string
accept<Property<string | null>>({ type: 'string', default: 'x', description: '' });
// @ts-expect-error: a plain string written as `string | null`
accept<Property<string>>({ type: ['string', 'null'], default: null, description: '' });
// @ts-expect-error: a section that may be null written as one that may not
accept<Property<{ on: boolean } | null>>(inner);

// Required (filled in by a default) and optional.
// @ts-expect-error: a key the type requires without a default
accept<Property<number>>({ type: 'number', description: '' });
// @ts-expect-error: a key the type leaves optional with a default
accept<Properties<{ n?: number }>>({ n: { type: 'number', default: 1, description: '' } });
accept<Properties<{ n?: number }>>({ n: { type: 'number', description: '' } });

// A section's required keys are its own.
// @ts-expect-error: a required key the type does not have
accept<Schema<{ on: boolean }>>({ ...inner, required: ['off'] });
accept<Schema<{ on: boolean }>>({ ...inner, required: ['on'] });

// Enums list exactly the members.
// @ts-expect-error: a member missing
accept<Property<'a' | 'b'>>({ type: 'string', enum: oneOf('a'), default: 'a', description: '' });
// @ts-expect-error: a member the type does not have
accept<Property<'a' | 'b'>>({ type: 'string', enum: oneOf('a', 'b', 'c'), default: 'a', description: '' });
// @ts-expect-error: a plain array, which could leave members out unnoticed
accept<Property<'a' | 'b'>>({ type: 'string', enum: ['a'], default: 'a', description: '' });
// @ts-expect-error: a numeric enum with a member the type does not have
accept<Property<4 | 8>>({ type: 'integer', enum: oneOf(4, 6, 8), default: 4, description: '' });

// Tuples have their length.
// @ts-expect-error: three numbers for a pair
accept<Property<[number, number]>>({ ...pair, minItems: 3, maxItems: 3, default: [0, 1, 2] });

describe('schema types', () => {
  it('accept a schema Ajv compiles, whose defaults fill an empty object to the type', () => {
    const ajv = new Ajv({ useDefaults: true, strict: true, allowUnionTypes: true });
    const validate = ajv.compile<Example>(example);
    const data = {};
    expect(validate(data)).toBe(true);
    expect(data).toEqual({ name: 'x', count: 1, file: null, mode: 'a', pair: [0, 1], inner: { on: false } });
    expect(validate({ mode: 'c' })).toBe(false);
  });

  it('oneOf is the plain array of its values', () => {
    expect(oneOf('a', 'b')).toEqual(['a', 'b']);
  });
});
