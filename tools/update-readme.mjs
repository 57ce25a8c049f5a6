// Rewrites the configuration reference in README.md from the schema (`npm run docs`).
// A test fails when the README and the schema disagree, so this is how to fix that.
import { readFileSync, writeFileSync } from 'node:fs';
import { configReferenceMarkdown } from '../dist/src/config/configDocs.js';

const START = '<!-- config-reference:start -->';
const END = '<!-- config-reference:end -->';
const readme = readFileSync('README.md', 'utf8');
const a = readme.indexOf(START);
const b = readme.indexOf(END);
if (a < 0 || b < a) throw new Error('README.md lacks the config-reference markers');
writeFileSync('README.md', `${readme.slice(0, a + START.length)}\n${configReferenceMarkdown()}\n${readme.slice(b)}`);
