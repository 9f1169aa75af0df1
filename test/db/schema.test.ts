import { sql } from 'kysely';
import { expect, it } from 'vitest';
import { describeEachEngine } from '../support/databases.js';

/**
 * The schema the migrations produce, as text: any change to a column, index or constraint shows
 * up as a readable diff in test/db/__snapshots__/schema.txt. Both engines must match the same
 * file, which proves PGlite and PostgreSQL hold the same schema.
 */
describeEachEngine('schema', ({ database }) => {
  it('matches the reviewed snapshot', async () => {
    const db = database().db;
    const columns = await sql<{ table_name: string; column_name: string; data_type: string; is_nullable: string; is_identity: string; column_default: string | null; generation_expression: string | null; collation_name: string | null }>`
      select table_name, column_name, data_type, collation_name, is_nullable, is_identity, column_default, generation_expression
      from information_schema.columns
      where table_schema = 'public' and table_name not like 'kysely_%'
      order by table_name, ordinal_position`.execute(db);
    const constraints = await sql<{ table_name: string; conname: string; definition: string }>`
      select conrelid::regclass::text as table_name, conname, pg_get_constraintdef(oid) as definition
      from pg_constraint
      -- contype 'n' (NOT NULL as a constraint) exists from PostgreSQL 18 only; columns show it already.
      where connamespace = 'public'::regnamespace and contype <> 'n' and conrelid::regclass::text not like 'kysely_%'
      order by 1, 2`.execute(db);
    const indexes = await sql<{ indexdef: string }>`
      select indexdef from pg_indexes
      where schemaname = 'public' and tablename not like 'kysely_%'
      order by tablename, indexname`.execute(db);

    const lines: string[] = [];
    let table = '';
    for (const c of columns.rows) {
      if (c.table_name !== table) {
        table = c.table_name;
        lines.push('', `table ${table}`);
      }
      const extras = [
        c.collation_name ? `collate "${c.collation_name}"` : '',
        c.is_nullable === 'NO' ? 'not null' : '',
        c.is_identity === 'YES' ? 'generated always as identity' : '',
        c.column_default ? `default ${c.column_default}` : '',
        c.generation_expression ? `generated as ${c.generation_expression}` : '',
      ].filter(Boolean);
      lines.push(`  ${c.column_name} ${c.data_type}${extras.length ? ` ${extras.join(' ')}` : ''}`);
    }
    lines.push('', 'constraints');
    for (const c of constraints.rows) lines.push(`  ${c.table_name}.${c.conname}: ${c.definition}`);
    lines.push('', 'indexes');
    for (const i of indexes.rows) lines.push(`  ${i.indexdef}`);

    await expect(lines.join('\n').trimStart() + '\n').toMatchFileSnapshot('./__snapshots__/schema.txt');
  });
});
