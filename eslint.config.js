import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  {
    ignores: [
      'dist',
      'demo/dist',
      'node_modules',
      'test-results',
      'playwright-report',
      'src/engine/simd/hnsw-simd.js',
      'bench/shared-memory/hnsw-shared.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: { globals: { ...globals.browser, ...globals.worker, ...globals.node } },
  },
  {
    // Files a newcomer can read in one sitting (see README, Architecture).
    files: ['src/**/*.ts'],
    rules: { 'no-console': 'error', 'max-lines': ['error', { max: 400 }] },
  },
  {
    // Tests, demo and benchmarks index arrays they just built.
    files: ['test/**/*.ts', 'demo/**/*.ts', 'bench/**/*.ts'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
