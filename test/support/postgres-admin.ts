import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';

/** Test databases are named with this prefix so a crashed run's leftovers are easy to spot. */
const PREFIX = 'mtm_test_';

export function databaseUrl(baseUrl: string, name: string): string {
  const url = new URL(baseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdmin<T>(baseUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export function uniqueDatabaseName(label: string): string {
  return `${PREFIX}${label}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** A fresh, migrated database to copy from. */
export async function createTemplateDatabase(baseUrl: string): Promise<string> {
  const name = uniqueDatabaseName('template');
  await withAdmin(baseUrl, (c) => c.query(`CREATE DATABASE ${name}`));
  const database = await openDatabase({ kind: 'postgres', url: databaseUrl(baseUrl, name), poolMin: 0, poolMax: 2, statementTimeoutMs: 0 });
  try {
    await migrateToLatest(database.db);
  } finally {
    await database.close();
  }
  return name;
}

export async function dropTemplateDatabase(baseUrl: string, name: string): Promise<void> {
  await dropDatabase(baseUrl, name);
}

/** An empty database (template0) or a copy of `template`. */
export async function createDatabase(baseUrl: string, label: string, template?: string): Promise<string> {
  const name = uniqueDatabaseName(label);
  await withAdmin(baseUrl, (c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template ?? 'template0'}`));
  return name;
}

export async function dropDatabase(baseUrl: string, name: string): Promise<void> {
  await withAdmin(baseUrl, (c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
