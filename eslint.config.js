// Lint rules that keep mistakes out the type checker misses: promises nobody awaits or
// catches (an unhandled rejection ends the process), and imports that are only types.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'native/', 'node_modules/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The build scripts are plain Node modules.
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { project: './tsconfig.test.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
  {
    // The live-feedback page is browser code, typed by its own config (DOM, no Node).
    files: ['src/dashboard/page/**/*.ts'],
    languageOptions: {
      parserOptions: { project: './src/dashboard/page/tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
  },
);
