// Typed MODE API calls the bridge makes, one method per endpoint. Each takes the API key to use
// first: the project key for BYOU administration, a user's key when acting on that user's behalf.
import type { z } from 'zod';
import type { BreakerState } from './mode-breaker';
import { ModeHttp, type ModeHttpOptions } from './mode-http';
import { defaultPagingLimits, type PagingLimits, readAllPages } from './mode-paging';
import { buildPath, type ModeRequest } from './mode-wire';
import { ModeApiError, ModeBadGatewayError } from './mode.errors';
import * as s from './mode.types';
import type {
  ModeAddDevice, ModeAuthInfo, ModeClientAuth, ModeDevice, ModeDeviceCommand, ModeDevicePatch, ModeEvent,
  ModeHome, ModeHomeInput, ModeHomeMember, ModeHomePatch, ModeKeyValue, ModeProvisioningRequest,
  ModeProvisioningToken, ModeSmartModule, ModeUser, ModeUserPatch, ModeUserSession,
} from './mode.types';

export interface ModeClientOptions extends ModeHttpOptions {
  /** Page size asked of MODE's paged lists, and the most pages one list may take. */
  paging?: Partial<PagingLimits>;
}

/** Lists MODE documents as paged are asked for a page from the start; any other list pages only if MODE says so. */
interface ListOptions {
  pagedFromStart?: boolean;
}

export class ModeClient {
  private readonly http: ModeHttp;
  private readonly paging: PagingLimits;

  constructor(options: ModeClientOptions) {
    this.http = new ModeHttp(options);
    const { pageSize = defaultPagingLimits.pageSize, maxPages = defaultPagingLimits.maxPages } = options.paging ?? {};
    this.paging = { pageSize, maxPages };
  }

  createUser(projectKey: string, projectId: number): Promise<ModeUser> {
    return this.call(s.modeUserSchema, { method: 'POST', route: '/users', key: projectKey, json: { projectId } });
  }
  getUser(key: string, userId: number): Promise<ModeUser> {
    return this.call(s.modeUserSchema, { method: 'GET', route: '/users/:userId', params: { userId }, key });
  }
  updateUser(key: string, userId: number, patch: ModeUserPatch): Promise<void> {
    return this.send({ method: 'PATCH', route: '/users/:userId', params: { userId }, key, json: patch });
  }
  deleteUser(key: string, userId: number): Promise<void> {
    return this.send({ method: 'DELETE', route: '/users/:userId', params: { userId }, key });
  }

  issueUserKey(projectKey: string, projectId: number, userId: number): Promise<ModeClientAuth> {
    const form = { projectId, userId };
    return this.call(s.modeClientAuthSchema, { method: 'POST', route: '/auth/user', key: projectKey, form });
  }
  getAuthInfo(key: string): Promise<ModeAuthInfo> {
    return this.call(s.modeAuthInfoSchema, { method: 'GET', route: '/auth', key });
  }
  getUserSession(key: string): Promise<ModeUserSession> {
    return this.call(s.modeUserSessionSchema, { method: 'GET', route: '/userSession', key });
  }
  endUserSession(key: string): Promise<void> {
    return this.send({ method: 'DELETE', route: '/userSession', key });
  }

  listHomes(key: string, userId: number): Promise<ModeHome[]> {
    return this.list(s.modeHomeSchema, { method: 'GET', route: '/homes', query: { userId }, key }, { pagedFromStart: true });
  }
  createHome(key: string, home: ModeHomeInput): Promise<ModeHome> {
    return this.call(s.modeHomeSchema, { method: 'POST', route: '/homes', key, json: home });
  }
  getHome(key: string, homeId: number): Promise<ModeHome> {
    return this.call(s.modeHomeSchema, { method: 'GET', route: '/homes/:homeId', params: { homeId }, key });
  }
  updateHome(key: string, homeId: number, patch: ModeHomePatch): Promise<void> {
    return this.send({ method: 'PATCH', route: '/homes/:homeId', params: { homeId }, key, json: patch });
  }
  deleteHome(key: string, homeId: number): Promise<void> {
    return this.send({ method: 'DELETE', route: '/homes/:homeId', params: { homeId }, key });
  }

  listMembers(key: string, homeId: number): Promise<ModeHomeMember[]> {
    const route = '/homes/:homeId/members';
    return this.list(s.modeHomeMemberSchema, { method: 'GET', route, params: { homeId }, key });
  }
  addMember(key: string, homeId: number, userId: number): Promise<ModeHomeMember> {
    const route = '/homes/:homeId/members';
    return this.call(s.modeHomeMemberSchema, { method: 'POST', route, params: { homeId }, key, form: { userId } });
  }
  getMember(key: string, homeId: number, userId: number): Promise<ModeHomeMember> {
    const route = '/homes/:homeId/members/:userId';
    return this.call(s.modeHomeMemberSchema, { method: 'GET', route, params: { homeId, userId }, key });
  }
  removeMember(key: string, homeId: number, userId: number): Promise<void> {
    return this.send({ method: 'DELETE', route: '/homes/:homeId/members/:userId', params: { homeId, userId }, key });
  }

  listSmartModules(key: string, homeId: number): Promise<ModeSmartModule[]> {
    const route = '/homes/:homeId/smartModules';
    return this.list(s.modeSmartModuleSchema, { method: 'GET', route, params: { homeId }, key });
  }
  getSmartModule(key: string, homeId: number, moduleId: string): Promise<ModeSmartModule> {
    const route = '/homes/:homeId/smartModules/:moduleId';
    return this.call(s.modeSmartModuleSchema, { method: 'GET', route, params: { homeId, moduleId }, key });
  }
  sendHomeEvent(key: string, homeId: number, event: ModeEvent): Promise<void> {
    const route = '/homes/:homeId/event';
    return this.send({ method: 'PUT', route, params: { homeId }, key, json: event, repeatable: false });
  }

  startDeviceProvisioning(
    key: string,
    homeId: number,
    device: ModeProvisioningRequest,
  ): Promise<ModeProvisioningToken> {
    const route = '/homes/:homeId/deviceProvisioning';
    const form = { deviceClass: device.deviceClass, deviceTag: device.deviceTag };
    return this.call(s.modeProvisioningTokenSchema, { method: 'POST', route, params: { homeId }, key, form });
  }
  /** `key` is a user's key to claim a pre-provisioned device; a device presenting its token needs none. */
  addDevice(key: string | undefined, device: ModeAddDevice): Promise<ModeDevice> {
    const form = 'token' in device ? { token: device.token } : { homeId: device.homeId, claimCode: device.claimCode };
    return this.call(s.modeDeviceSchema, { method: 'POST', route: '/devices', key, form });
  }

  listDevices(key: string, homeId: number): Promise<ModeDevice[]> {
    return this.list(s.modeDeviceSchema, { method: 'GET', route: '/devices', query: { homeId }, key });
  }
  getDevice(key: string, deviceId: number): Promise<ModeDevice> {
    return this.call(s.modeDeviceSchema, { method: 'GET', route: '/devices/:deviceId', params: { deviceId }, key });
  }
  updateDevice(key: string, deviceId: number, patch: ModeDevicePatch): Promise<void> {
    return this.send({ method: 'PATCH', route: '/devices/:deviceId', params: { deviceId }, key, json: patch });
  }
  deleteDevice(key: string, deviceId: number): Promise<void> {
    return this.send({ method: 'DELETE', route: '/devices/:deviceId', params: { deviceId }, key });
  }
  /** Never sent twice: a PUT, yet a "toggle" or "unlock" repeated is a different effect. */
  sendCommand(key: string, deviceId: number, command: ModeDeviceCommand): Promise<void> {
    const route = '/devices/:deviceId/command';
    return this.send({ method: 'PUT', route, params: { deviceId }, key, json: command, repeatable: false });
  }

  listKeyValues(key: string, homeId: number, keyPrefix?: string): Promise<ModeKeyValue[]> {
    const route = '/homes/:homeId/kv';
    const query = { keyPrefix };
    return this.list(s.modeKeyValueSchema, { method: 'GET', route, params: { homeId }, query, key });
  }
  getKeyValue(key: string, homeId: number, k: string): Promise<ModeKeyValue> {
    const route = '/homes/:homeId/kv/:k';
    return this.call(s.modeKeyValueSchema, { method: 'GET', route, params: { homeId, k }, key });
  }
  putKeyValue(key: string, homeId: number, k: string, value: unknown): Promise<void> {
    const json = { key: k, value };
    return this.send({ method: 'PUT', route: '/homes/:homeId/kv/:k', params: { homeId, k }, key, json });
  }
  deleteKeyValue(key: string, homeId: number, k: string): Promise<void> {
    return this.send({ method: 'DELETE', route: '/homes/:homeId/kv/:k', params: { homeId, k }, key });
  }

  /**
   * Readiness: resolves when MODE answers. With a key, MODE must also accept it (GET /auth);
   * without one, any HTTP answer, even a refusal, proves MODE is reachable. Never retried.
   */
  async ping(projectKey?: string): Promise<void> {
    try {
      await this.http.request({ method: 'GET', route: '/auth', key: projectKey, retry: false });
    } catch (err) {
      if (projectKey !== undefined || !(err instanceof ModeApiError)) throw err;
    }
  }

  /** True while the circuit breaker fails calls fast without sending them. */
  isOpen(): boolean {
    return this.http.breakerState === 'open';
  }

  get breakerState(): BreakerState {
    return this.http.breakerState;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  private async call<T>(schema: z.ZodType<T>, request: ModeRequest): Promise<T> {
    return this.parse(schema, await this.http.request(request), request);
  }

  /** Every item of a MODE list, following MODE's pages to the end. */
  private async list<T>(item: z.ZodType<T>, request: ModeRequest, options: ListOptions = {}): Promise<T[]> {
    const context = { method: request.method, path: buildPath(request), route: request.route };
    const items = await readAllPages(async (skip) => {
      const paged = options.pagedFromStart || skip > 0;
      const query = paged ? { ...request.query, skip, limit: this.paging.pageSize } : request.query;
      const { body, range } = await this.http.exchange({ ...request, query });
      if (!Array.isArray(body)) throw new ModeBadGatewayError('answered a list that is not an array', context);
      return { items: body as unknown[], range };
    }, this.paging, context);
    return this.parse(item.array(), items, request);
  }

  private parse<T>(schema: z.ZodType<T>, body: unknown, request: ModeRequest): T {
    const parsed = schema.safeParse(body);
    if (parsed.success) return parsed.data;
    // Only field paths go in the message: values could be personal data or device keys.
    const fields = [...new Set(parsed.error.issues.map((issue) => issue.path.join('.') || '(body)'))].join(', ');
    const context = { method: request.method, path: buildPath(request), route: request.route };
    throw new ModeBadGatewayError(`answered without a field the bridge needs, or with one it cannot read (${request.route}: ${fields})`, context);
  }

  private async send(request: ModeRequest): Promise<void> {
    await this.http.request(request);
  }
}
