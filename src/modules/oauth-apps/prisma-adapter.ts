import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { OAuthAppRecord, OAuthAppsRepository } from './oauth-apps.repository';
import type { OAuthPayloadsRepository, Payload } from './oauth-payloads.repository';

// oidc-provider's storage interface on our database. Clients are not stored by the library:
// the `Client` model is read from the registered apps, so an app deleted by an admin is
// unknown to the authorization server at once, on every instance.

export function createAdapterFactory(payloads: OAuthPayloadsRepository, apps: OAuthAppsRepository): (name: string) => Adapter {
  return (name) => (name === 'Client' ? new AppClientAdapter(apps) : new PrismaAdapter(name, payloads));
}

class PrismaAdapter implements Adapter {
  constructor(
    private readonly model: string,
    private readonly payloads: OAuthPayloadsRepository,
  ) {}

  upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    return this.payloads.upsert(this.model, id, payload as Payload, expiresIn);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    return (await this.payloads.find(this.model, { id })) as AdapterPayload | undefined;
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return (await this.payloads.find(this.model, { uid })) as AdapterPayload | undefined;
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return (await this.payloads.find(this.model, { userCode })) as AdapterPayload | undefined;
  }

  consume(id: string): Promise<void> {
    return this.payloads.consume(this.model, id);
  }

  destroy(id: string): Promise<void> {
    return this.payloads.destroy(this.model, id);
  }

  revokeByGrantId(grantId: string): Promise<void> {
    return this.payloads.revokeGrant(grantId);
  }
}

/** Client metadata (RFC 7591 names) of a registered app. */
export function clientMetadataOf(app: OAuthAppRecord): AdapterPayload {
  return {
    client_id: app.clientId,
    client_name: app.name,
    // oidc-provider compares what a client sends with this value through compareClientSecret,
    // which the provider setup replaces with a comparison of hashes (see provider.ts).
    ...(app.secretHash ? { client_secret: app.secretHash } : {}),
    token_endpoint_auth_method: app.secretHash ? 'client_secret_basic' : 'none',
    redirect_uris: app.redirectUris,
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: app.scopes.join(' '),
  };
}

class AppClientAdapter implements Adapter {
  constructor(private readonly apps: OAuthAppsRepository) {}

  async find(clientId: string): Promise<AdapterPayload | undefined> {
    const app = await this.apps.findByClientId(clientId);
    return app ? clientMetadataOf(app) : undefined;
  }

  // Apps are registered through the admin API only (no dynamic client registration).
  async upsert(): Promise<void> {
    throw new Error('clients are registered through /v1/admin/oauth-apps');
  }
  async findByUid(): Promise<undefined> {
    return undefined;
  }
  async findByUserCode(): Promise<undefined> {
    return undefined;
  }
  async consume(): Promise<void> {}
  async destroy(): Promise<void> {}
  async revokeByGrantId(): Promise<void> {}
}
