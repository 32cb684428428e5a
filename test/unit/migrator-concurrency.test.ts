import { Client } from 'pg';
import { openDatabase } from '../../src/db/database';
import { migrate, migrationStatus } from '../../src/db/migrator';
import { describeNeeding, needs, postgresUrl } from '../support/requirements';

// Instances that start together all migrate at start; the database must end up migrated once.
describeNeeding([needs.postgres], 'migrations on PostgreSQL', () => {
  test('when several processes migrate an empty database at once, then each migration is applied exactly once', async () => {
    const name = `mode_bridge_migrate_race_${process.pid}_${Date.now().toString(36)}`;
    const admin = new Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(postgresUrl!);
    url.pathname = `/${name}`;
    const databases = await Promise.all(Array.from({ length: 4 }, () => openDatabase({ url: url.toString(), poolSize: 2 })));
    try {
      const applied = await Promise.all(databases.map((db) => migrate(db.sql)));
      const all = applied.flat();
      const status = await migrationStatus(databases[0]!.sql);
      expect(status.pending).toEqual([]);
      expect(all.sort()).toEqual([...status.applied].sort());
    } finally {
      await Promise.all(databases.map((db) => db.close()));
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
