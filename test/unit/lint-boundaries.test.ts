import { join } from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/processes.js';

/**
 * The boundary rules of eslint.config.js, run through ESLint's API on code placed (as text, no
 * file written) where it would sit in the tree, so `npm run check` is shown to enforce them.
 */
describe('lint: SQL only in repositories/, db/ and jobs/boss-db.ts', () => {
  let eslint: ESLint;
  beforeAll(() => {
    eslint = new ESLint({ cwd: ROOT });
  });

  async function restrictedImports(code: string, path: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: join(ROOT, path) });
    return result!.messages.filter((m) => m.ruleId === '@typescript-eslint/no-restricted-imports').map((m) => m.message);
  }

  const VALUE_IMPORT = "import { sql } from 'kysely';\nexport const now = sql`select now()`;\n";
  const MESSAGE =
    "'kysely' import is restricted from being used. SQL belongs in src/repositories/ (or src/db/, src/jobs/boss-db.ts): add a repository function and call it.";

  it('fails a kysely import in services/, routes/, cli/ and jobs/', async () => {
    expect(await restrictedImports(VALUE_IMPORT, 'src/services/lint-fixture.ts')).toEqual([MESSAGE]);
    expect(await restrictedImports(VALUE_IMPORT, 'src/services/legacy/lint-fixture.ts')).toEqual([MESSAGE]);
    expect(await restrictedImports(VALUE_IMPORT, 'src/routes/lint-fixture.ts')).toEqual([MESSAGE]);
    expect(await restrictedImports(VALUE_IMPORT, 'src/cli/lint-fixture.ts')).toEqual([MESSAGE]);
    expect(await restrictedImports(VALUE_IMPORT, 'src/jobs/lint-fixture.ts')).toEqual([MESSAGE]);
  });

  it('fails a kysely subpath import too', async () => {
    const code = "import { PostgresDialect } from 'kysely/dist/esm/index.js';\nexport const d = PostgresDialect;\n";
    expect(await restrictedImports(code, 'src/services/lint-fixture.ts')).toHaveLength(1);
  });

  it("fails an import of Kysely's values through src/db/kysely.ts (its CommonJS build) the same way", async () => {
    const code = "import { sql } from '../db/kysely.js';\nexport const now = sql`select now()`;\n";
    const shimMessage =
      "'../db/kysely.js' import is restricted from being used by a pattern. SQL belongs in src/repositories/ (or src/db/, src/jobs/boss-db.ts): add a repository function and call it.";
    expect(await restrictedImports(code, 'src/services/lint-fixture.ts')).toEqual([shimMessage]);
    expect(await restrictedImports(code, 'src/routes/lint-fixture.ts')).toEqual([shimMessage]);
    expect(await restrictedImports(code.replace('../db/', './'), 'src/db/lint-fixture.ts')).toEqual([]);
    expect(await restrictedImports(code, 'src/repositories/lint-fixture.ts')).toEqual([]);
  });

  it("allows Kysely's values in repositories/, db/ and jobs/boss-db.ts, from src/db/kysely.ts only", async () => {
    const shim = (from: string) => `import { sql } from '${from}';\nexport const now = sql\`select now()\`;\n`;
    expect(await restrictedImports(shim('../db/kysely.js'), 'src/repositories/lint-fixture.ts')).toEqual([]);
    expect(await restrictedImports(shim('./kysely.js'), 'src/db/lint-fixture.ts')).toEqual([]);
    expect(await restrictedImports(shim('../db/kysely.js'), 'src/jobs/boss-db.ts')).toEqual([]);
    // 'kysely' itself would load its ES module tree at every start.
    const esm = "'kysely' import is restricted from being used. Import Kysely's values from src/db/kysely.ts (its CommonJS build); only types from 'kysely'.";
    expect(await restrictedImports(VALUE_IMPORT, 'src/repositories/lint-fixture.ts')).toEqual([esm]);
    expect(await restrictedImports(VALUE_IMPORT, 'src/db/lint-fixture.ts')).toEqual([esm]);
    expect(await restrictedImports(VALUE_IMPORT, 'src/db/kysely.ts')).toEqual([]);
  });

  it('allows a type-only import anywhere: a type runs no SQL', async () => {
    const code = "import type { Transaction } from 'kysely';\nexport type T = Transaction<object>;\n";
    expect(await restrictedImports(code, 'src/services/lint-fixture.ts')).toEqual([]);
  });
});
