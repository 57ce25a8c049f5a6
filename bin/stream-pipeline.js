#!/usr/bin/env node
// Thin launcher: the program is compiled TypeScript in dist/ (`npm run build`).
import '../dist/src/cli/main.js';
