// Renders the configuration reference (every key, type, default, meaning) from the schema,
// so the README's table cannot drift from what the program accepts.
import { configSchema, type SchemaNode } from './configSchema.js';

function typeOf(node: SchemaNode): string {
  if (node.enum) return node.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  const types = typeof node.type === 'string' ? [node.type] : (node.type ?? ['any']);
  const t = types.join(' \\| ');
  if (types.includes('array')) {
    const n = node.minItems !== undefined && node.minItems === node.maxItems ? `${node.minItems} ` : '';
    return `${t} (${n}${node.items?.type === 'array' ? 'arrays' : 'numbers'})`;
  }
  return t;
}

function bounds(node: SchemaNode): string {
  const b: string[] = [];
  if (node.minimum !== undefined) b.push(`>= ${node.minimum}`);
  if (node.exclusiveMinimum !== undefined) b.push(`> ${node.exclusiveMinimum}`);
  if (node.maximum !== undefined) b.push(`<= ${node.maximum}`);
  return b.length ? ` (${b.join(', ')})` : '';
}

function rows(node: SchemaNode, prefix: string, out: string[]): void {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (child.properties) {
      out.push(`| **\`${path}\`** | section | | ${child.description ?? ''} |`);
      rows(child, path, out);
    } else {
      const required = node.required?.includes(key) ? 'required' : '';
      const def = child.default === undefined ? required : `\`${JSON.stringify(child.default)}\``;
      out.push(`| \`${path}\` | ${typeOf(child)}${bounds(child)} | ${def} | ${child.description ?? ''} |`);
    }
  }
}

/** The configuration reference as a Markdown table. */
export function configReferenceMarkdown(): string {
  const out = ['| key | type | default | meaning |', '|---|---|---|---|'];
  rows(configSchema, '', out);
  return out.join('\n');
}
