// ESLint: typescript-eslint's recommended rules, plus the import boundaries of DESIGN.md
// (lib <- db <- repositories <- services <- routes/jobs/cli; spotify/ imports only lib/).
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';

const layer = (target, from, message) => ({ target, from, message });
const KYSELY_OUTSIDE_REPOSITORIES = 'SQL belongs in src/repositories/ (or src/db/, src/jobs/boss-db.ts): add a repository function and call it.';

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'scratch/**', 'coverage/**', 'public/vendor/**'] },
  ...tseslint.configs.recommended,
  {
    plugins: { 'import-x': importX },
    // Resolves './x.js' to the './x.ts' source, so the boundary rule sees real files.
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver()] },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            layer('./src/lib', ['./src/db', './src/repositories', './src/services', './src/spotify', './src/fake-spotify', './src/routes', './src/jobs', './src/cli', './src/app.ts', './src/deps.ts', './src/config.ts'], 'lib/ is the leaf layer: it imports nothing of the app.'),
            layer('./src/db', './src/repositories', 'db/ must not import repositories/.'),
            layer('./src/db', './src/services', 'db/ must not import services/.'),
            layer('./src/db', './src/routes', 'db/ must not import routes/.'),
            layer('./src/repositories', './src/services', 'repositories/ must not import services/.'),
            layer('./src/repositories', './src/routes', 'repositories/ must not import routes/.'),
            layer('./src/repositories', './src/jobs', 'repositories/ must not import jobs/.'),
            layer('./src/repositories', './src/cli', 'repositories/ must not import cli/.'),
            layer('./src/services', './src/routes', 'services/ have no HTTP: they must not import routes/.'),
            layer('./src/services', './src/cli', 'services/ must not import cli/.'),
            layer('./src/services', './src/jobs', 'services/ must not import jobs/.'),
            layer('./src/spotify', './src/db', 'spotify/ imports only lib/.'),
            layer('./src/spotify', './src/repositories', 'spotify/ imports only lib/.'),
            layer('./src/spotify', './src/services', 'spotify/ imports only lib/.'),
            layer('./src/spotify', './src/routes', 'spotify/ imports only lib/.'),
            layer('./src/routes', './src/cli', 'routes/ must not import cli/.'),
            layer('./src/jobs', './src/routes', 'jobs/ must not import routes/.'),
          ],
        },
      ],
    },
  },
  {
    // All SQL lives in repositories/ (and db/, jobs/boss-db.ts), so nothing else may import
    // Kysely's values (`sql`, the query builder). Type-only imports are allowed: a type runs no
    // SQL (services name the database as `Db`, repositories/executor.ts). test/unit/lint-boundaries.test.ts proves it.
    files: ['src/**/*.ts', 'src/**/*.js'],
    ignores: ['src/repositories/**', 'src/db/**', 'src/jobs/boss-db.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'kysely', message: KYSELY_OUTSIDE_REPOSITORIES, allowTypeImports: true }],
          patterns: [
            { group: ['kysely/*'], message: KYSELY_OUTSIDE_REPOSITORIES, allowTypeImports: true },
            // src/db/kysely.ts: Kysely's values from its CommonJS build, under the same rule.
            { group: ['**/db/kysely.js'], message: KYSELY_OUTSIDE_REPOSITORIES, allowTypeImports: true },
          ],
        },
      ],
    },
  },
  {
    // Inside the SQL folders, Kysely's values come from src/db/kysely.ts (its CommonJS build,
    // one require) and never from 'kysely' itself, whose ES module tree would load again at
    // every start (~0.4 s of CPU). Types may still come from 'kysely'.
    files: ['src/repositories/**', 'src/db/**', 'src/jobs/boss-db.ts'],
    ignores: ['src/db/kysely.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'kysely', message: "Import Kysely's values from src/db/kysely.ts (its CommonJS build); only types from 'kysely'.", allowTypeImports: true }],
        },
      ],
    },
  },
  {
    files: ['test/**', 'bench/**'],
    rules: { '@typescript-eslint/no-non-null-assertion': 'off' },
  },
);
