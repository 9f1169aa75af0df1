import { createRequire } from 'node:module';
import type * as KyselyModule from 'kysely';

/**
 * Kysely's values (`sql`, the classes), from its CommonJS build: one `require` of a few dozen
 * files, where its ES module tree is ~260 modules, each a round trip through the TypeScript
 * loader's hooks thread (~0.4 s of CPU on every start). The app imports Kysely's values from
 * here; types still come from 'kysely' (they are erased). Same rule as 'kysely' itself: only
 * repositories/, db/ and jobs/boss-db.ts may import it (eslint.config.js).
 */
const kysely = createRequire(import.meta.url)('kysely') as typeof KyselyModule;

export const { sql, CompiledQuery, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } = kysely;
// Classes the app both constructs and names as types.
export const Kysely = kysely.Kysely;
export type Kysely<DB> = KyselyModule.Kysely<DB>;
export const PostgresDialect = kysely.PostgresDialect;
export type PostgresDialect = KyselyModule.PostgresDialect;
export const Migrator = kysely.Migrator;
export type Migrator = KyselyModule.Migrator;
