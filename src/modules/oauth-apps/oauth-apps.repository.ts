import type { PrismaClient } from '../../db/database';

// The registered third-party apps. Only a SHA-256 hash of a confidential app's secret is kept.

export interface OAuthAppRecord {
  id: string;
  name: string;
  clientId: string;
  /** Null for a public client (no secret: it must use PKCE). */
  secretHash: string | null;
  redirectUris: string[];
  scopes: string[];
  createdById: string | null;
  createdAt: Date;
}

export type NewOAuthApp = Omit<OAuthAppRecord, 'createdAt'>;

export class OAuthAppsRepository {
  constructor(private readonly prisma: PrismaClient) {}

  create(app: NewOAuthApp): Promise<OAuthAppRecord> {
    return this.prisma.oAuthApp.create({ data: app });
  }

  count(): Promise<number> {
    return this.prisma.oAuthApp.count();
  }

  list(): Promise<OAuthAppRecord[]> {
    return this.prisma.oAuthApp.findMany({ orderBy: { createdAt: 'asc' } });
  }

  findById(id: string): Promise<OAuthAppRecord | null> {
    return this.prisma.oAuthApp.findUnique({ where: { id } });
  }

  findByClientId(clientId: string): Promise<OAuthAppRecord | null> {
    return this.prisma.oAuthApp.findUnique({ where: { clientId } });
  }

  findByClientIds(clientIds: string[]): Promise<OAuthAppRecord[]> {
    if (clientIds.length === 0) return Promise.resolve([]);
    return this.prisma.oAuthApp.findMany({ where: { clientId: { in: clientIds } } });
  }

  /** Deletes the app and everything the authorization server holds for it, together. */
  async delete(id: string): Promise<OAuthAppRecord | null> {
    const app = await this.findById(id);
    if (!app) return null;
    await this.prisma.$transaction([
      this.prisma.oAuthPayload.deleteMany({ where: { clientId: app.clientId } }),
      this.prisma.oAuthApp.deleteMany({ where: { id } }),
    ]);
    return app;
  }
}
