import { Client } from 'pg';

/** One connection of its own for `work` (database admin, checks beside the app's pools), always closed. */
export async function withPostgresClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
