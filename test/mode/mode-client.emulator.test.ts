import { ModeApiError, ModeNotFoundError, ModeUnauthorizedError } from '../../src/mode';
import { useEmulatorClient } from './emulator-client';

describe('ModeClient against the MODE emulator', () => {
  const ctx = useEmulatorClient();

  test('when a user is linked, then MODE sees JSON for /users and a web form for /auth/user, both with the project key', async () => {
    const { user, key } = await ctx.newUser();

    expect(user).toMatchObject({ projectId: ctx.mode.projectId, verified: true });
    expect(key).toEqual(expect.any(String));
    const [create, issue] = ctx.mode.control.requests();
    const authorization = `ModeCloud ${ctx.mode.projectKey}`;
    expect(create).toMatchObject({ method: 'POST', path: '/users', authorization });
    expect(create?.contentType).toMatch(/^application\/json/);
    expect(create?.body).toEqual({ projectId: ctx.mode.projectId });
    expect(issue).toMatchObject({ method: 'POST', path: '/auth/user', authorization });
    expect(issue?.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(issue?.body).toMatchObject({ projectId: String(ctx.mode.projectId), userId: String(user.id) });
  });

  test("when a user's key is used, then MODE identifies that user and their profile can be updated", async () => {
    const { user, key } = await ctx.newUser();

    await expect(ctx.client.getAuthInfo(key)).resolves.toMatchObject({ type: 'user', userId: user.id });
    const session = await ctx.client.getUserSession(key);
    expect(session).toMatchObject({ userId: user.id, projectId: ctx.mode.projectId });
    await ctx.client.updateUser(key, user.id, { name: 'Ada' });
    await expect(ctx.client.getUser(key, user.id)).resolves.toMatchObject({ id: user.id, name: 'Ada' });
  });

  test('when a home is created, read, renamed and deleted, then each step is reflected by MODE', async () => {
    const { user, key } = await ctx.newUser();

    const home = await ctx.client.createHome(key, { name: 'Cabin', timezone: 'Europe/Paris' });
    expect(home).toMatchObject({ name: 'Cabin', timezone: 'Europe/Paris', projectId: ctx.mode.projectId });
    await expect(ctx.client.listHomes(key, user.id)).resolves.toEqual([expect.objectContaining({ id: home.id })]);
    await ctx.client.updateHome(key, home.id, { name: 'Chalet' });
    await expect(ctx.client.getHome(key, home.id)).resolves.toMatchObject({ name: 'Chalet' });
    await ctx.client.deleteHome(key, home.id);
    await expect(ctx.client.getHome(key, home.id)).rejects.toBeInstanceOf(ModeNotFoundError);
  });

  test('when a member is added by user ID, then MODE gets a web form and lists the member', async () => {
    const owner = await ctx.newUser();
    const guest = await ctx.newUser();
    const home = await ctx.client.createHome(owner.key, { name: 'Shared' });

    const member = await ctx.client.addMember(owner.key, home.id, guest.user.id);

    expect(member).toMatchObject({ userId: guest.user.id, homeId: home.id });
    const add = ctx.mode.control.requests().find((r) => r.method === 'POST' && r.path === `/homes/${home.id}/members`);
    expect(add?.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    expect(add?.authorization).toBe(`ModeCloud ${owner.key}`);
    const members = await ctx.client.listMembers(owner.key, home.id);
    expect(members.map((m) => m.userId).sort()).toEqual([owner.user.id, guest.user.id].sort());
    const fetched = await ctx.client.getMember(owner.key, home.id, guest.user.id);
    expect(fetched).toMatchObject({ userId: guest.user.id });
    await ctx.client.removeMember(owner.key, home.id, guest.user.id);
    await expect(ctx.client.getMember(owner.key, home.id, guest.user.id)).rejects.toBeInstanceOf(ModeNotFoundError);
  });

  test('when a claimable device is claimed, then it joins the home and takes commands, renames and removal', async () => {
    const { key } = await ctx.newUser();
    const home = await ctx.client.createHome(key, { name: 'Home' });
    const provisioned = ctx.mode.control.provisionDevice({ deviceClass: 'sprinkler', name: 'Garden' });
    ctx.mode.control.setClaimable(provisioned.id, true);

    const device = await ctx.client.addDevice(key, { homeId: home.id, claimCode: provisioned.claimCode });

    expect(device).toMatchObject({ id: provisioned.id, homeId: home.id, deviceClass: 'sprinkler' });
    const claim = ctx.mode.control.requests().find((r) => r.method === 'POST' && r.path === '/devices');
    expect(claim?.contentType).toMatch(/^application\/x-www-form-urlencoded/);
    await expect(ctx.client.listDevices(key, home.id)).resolves.toEqual([expect.objectContaining({ id: device.id })]);
    await ctx.client.sendCommand(key, device.id, { action: 'sprinkler-on', parameters: { zone: 2 } });
    await ctx.client.updateDevice(key, device.id, { name: 'Lawn' });
    await expect(ctx.client.getDevice(key, device.id)).resolves.toMatchObject({ name: 'Lawn' });
    await ctx.client.deleteDevice(key, device.id);
    await expect(ctx.client.listDevices(key, home.id)).resolves.toEqual([]);
  });

  test('when a device is provisioned on demand, then its token adds it to the home without a user key', async () => {
    const { key } = await ctx.newUser();
    const home = await ctx.client.createHome(key, { name: 'Home' });

    const request = { deviceClass: 'lamp', deviceTag: 'hall' };
    const { token } = await ctx.client.startDeviceProvisioning(key, home.id, request);
    const device = await ctx.client.addDevice(undefined, { token });

    expect(device).toMatchObject({ homeId: home.id, deviceClass: 'lamp', tag: 'hall', apiKey: expect.any(String) });
  });

  test('when key-values are stored under keys with reserved characters, then they round-trip', async () => {
    const { key } = await ctx.newUser();
    const home = await ctx.client.createHome(key, { name: 'Home' });

    await ctx.client.putKeyValue(key, home.id, 'settings/theme color', { dark: true });
    await ctx.client.putKeyValue(key, home.id, 'other', 1);

    await expect(ctx.client.getKeyValue(key, home.id, 'settings/theme color')).resolves.toMatchObject({
      key: 'settings/theme color',
      value: { dark: true },
    });
    await expect(ctx.client.listKeyValues(key, home.id, 'settings/')).resolves.toHaveLength(1);
    await ctx.client.deleteKeyValue(key, home.id, 'settings/theme color');
    const gone = ctx.client.getKeyValue(key, home.id, 'settings/theme color');
    await expect(gone).rejects.toBeInstanceOf(ModeNotFoundError);
  });

  test('when the project key sends a home event, then MODE accepts it; smart modules are listed', async () => {
    const { key } = await ctx.newUser();
    const home = await ctx.client.createHome(key, { name: 'Home' });

    await expect(ctx.client.sendHomeEvent(ctx.mode.projectKey, home.id, { eventType: 'bridge-hello', eventData: { n: 1 } })).resolves.toBeUndefined();
    const sent = ctx.mode.control.requests().filter((logged) => logged.method === 'PUT' && logged.path === `/homes/${home.id}/event`);
    expect(sent.map((logged) => logged.body)).toEqual([{ eventType: 'bridge-hello', eventData: { n: 1 } }]);
    const modules = await ctx.client.listSmartModules(key, home.id);

    expect(modules.length).toBeGreaterThan(0);
    const first = modules[0]?.id ?? '';
    await expect(ctx.client.getSmartModule(key, home.id, first)).resolves.toMatchObject({ id: first });
  });

  test("when a user's keys are revoked, then calls with the old key fail with ModeUnauthorizedError", async () => {
    const { user, key } = await ctx.newUser();
    ctx.mode.control.revokeUserKeys(user.id);

    const error = await ctx.client.getUser(key, user.id).catch((err: unknown) => err);

    expect(error).toBeInstanceOf(ModeUnauthorizedError);
    expect(error).toMatchObject({ status: 401, reason: 'INVALID_API_KEY', code: 'mode_unauthorized' });
    expect((error as Error).message).not.toContain(key);
  });

  test('when the user session is ended, then its key stops working', async () => {
    const { user, key } = await ctx.newUser();

    await ctx.client.endUserSession(key);

    await expect(ctx.client.getUser(key, user.id)).rejects.toBeInstanceOf(ModeUnauthorizedError);
  });

  test('when a user is deleted with the project key, then MODE no longer knows it', async () => {
    const { user, key } = await ctx.newUser();

    await ctx.client.deleteUser(ctx.mode.projectKey, user.id);

    await expect(ctx.client.getUser(key, user.id)).rejects.toBeInstanceOf(ModeApiError);
  });
});
