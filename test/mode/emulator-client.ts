// Starts the MODE emulator once per file and gives each test a fresh client and empty MODE.
import { createEmulator, type Emulator } from '../../src/emulator';
import { ModeClient, type ModeClientOptions, type ModeRequestEvent, type ModeUser } from '../../src/mode';

export interface EmulatorClient {
  mode: Emulator;
  client: ModeClient;
  /** What the client's onRequest hook reported during the current test. */
  events: ModeRequestEvent[];
  /** A new MODE user with its own API key, linked the way the bridge links its users. */
  newUser(): Promise<{ user: ModeUser; key: string }>;
}

export function useEmulatorClient(): EmulatorClient {
  const ctx = {} as EmulatorClient;
  ctx.newUser = async () => {
    const user = await ctx.client.createUser(ctx.mode.projectKey, ctx.mode.projectId);
    const auth = await ctx.client.issueUserKey(ctx.mode.projectKey, ctx.mode.projectId, user.id);
    return { user, key: auth.token };
  };

  beforeAll(async () => {
    ctx.mode = await createEmulator();
  });

  afterAll(async () => {
    await ctx.mode.close();
  });

  beforeEach(() => {
    ctx.mode.control.reset();
    ctx.events = [];
    const options: ModeClientOptions = {
      baseUrl: ctx.mode.url,
      // Generous, so a loaded machine cannot turn a slow answer into a failure; a test of the
      // timeout itself makes a client of its own with a short one.
      responseTimeoutMs: 10_000,
      retries: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
      onRequest: (event) => ctx.events.push(event),
    };
    ctx.client = new ModeClient(options);
  });

  afterEach(async () => {
    await ctx.client.close();
  });

  return ctx;
}
