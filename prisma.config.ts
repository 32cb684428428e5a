import { PGlite } from '@electric-sql/pglite';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { defineConfig } from 'prisma/config';

// Schema validation wants a PostgreSQL-looking URL even where a driver adapter decides where
// the data goes (embedded PGlite), so a placeholder stands in when none is configured.
process.env.DATABASE_URL ??= 'postgresql://localhost:5432/mode_bridge';

// The CLI is used offline only to generate the client and to diff schemas into SQL
// migrations; an in-memory PGlite serves as the adapter it insists on having.
export default defineConfig({
  schema: 'prisma/schema.prisma',
  engine: 'js',
  experimental: { adapter: true },
  adapter: async () => new PrismaPGlite(new PGlite()),
});
