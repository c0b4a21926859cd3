import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';

/**
 * Package boundaries, checked on resolved paths (so `../../server/src/x.ts` is caught as surely as
 * `@parta/server`): the protocol package imports nothing of ours; the web client imports the protocol
 * package, never the server. eslint.test.ts proves that a forbidden import fails lint.
 */
const boundaries = {
  plugins: { 'import-x': importX },
  settings: { 'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.tsx', '.js', '.mjs', '.json'] })] },
  rules: {
    'import-x/no-restricted-paths': [
      'error',
      {
        zones: [
          { target: './packages/protocol', from: ['./apps', './bench', './scripts'], message: 'The protocol package imports nothing of ours.' },
          { target: './apps/web/src', from: './apps/server', message: 'The web client speaks to the server only through @parta/protocol.' },
        ],
      },
    ],
  },
};

/**
 * React hooks: breaking the rules of hooks is an error. The other checks of the recommended set
 * (exhaustive dependencies and the React Compiler's checks) warn: docs/subsystems/web.md lists
 * what they found in the client when they came in.
 */
const hooks = {
  ...reactHooks.configs.flat.recommended,
  rules: Object.fromEntries(
    Object.keys(reactHooks.configs.flat.recommended.rules).map((rule) => [rule, rule === 'react-hooks/rules-of-hooks' ? 'error' : 'warn']),
  ),
};

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'data/**', '.tmp/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  { files: ['packages/protocol/**/*.ts', 'apps/web/**/*.{ts,tsx,js,mjs}'], ...boundaries },
  {
    // The protocol package is shared by server, web and bots: it imports nothing of ours.
    files: ['packages/protocol/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['@parta/*'], message: 'The protocol package imports nothing of ours.' }] }] },
  },
  {
    // The web client speaks only through the protocol package.
    files: ['apps/web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['@parta/server', '@parta/server/*'], message: 'The web client speaks to the server only through @parta/protocol.' }] },
      ],
    },
  },
  { files: ['apps/web/src/**/*.{ts,tsx}'], ...hooks },
);
