/**
 * Getting a device into a home: pre-provisioned devices are claimed by claim code while the device
 * says it is claimable; on-demand, a member asks for a provisioning token that the device redeems.
 */
import { Router } from 'express';
import { z } from 'zod';
import type { UserKey } from '../auth';
import type { EmulatorContext } from '../context';
import { accessDenied, invalidInput } from '../errors';
import { newSecret } from '../secrets';
import { isClaimable, now } from '../store';
import { claimExpirationTime, deviceView } from '../views';
import { formBody, formBoolean, formId, nonEmpty, pathId } from '../validate';

const provisioningTokenLifetimeMs = 10 * 60 * 1000;

const provisioningRequest = z.object({ deviceClass: nonEmpty, deviceTag: z.string().max(1000).optional() });
const claim = z.object({ homeId: formId, claimCode: nonEmpty });
const redemption = z.object({ token: nonEmpty });
const registrationState = z.object({
  deviceId: formId,
  claimable: formBoolean,
  duration: formId.optional(),
});

export function registrationRoutes({ store, access }: EmulatorContext): Router {
  const router = Router();

  router.post('/homes/:homeId/deviceProvisioning', (req, res) => {
    const { home } = access.membership(access.user(req.headers), pathId(req.params.homeId));
    const body = formBody(req, provisioningRequest);
    const token = newSecret();
    const expiresAt = Date.now() + provisioningTokenLifetimeMs;
    store.provisioningTokens.set(token, { token, homeId: home.id, deviceClass: body.deviceClass, tag: body.deviceTag ?? '', expiresAt });
    res.json({ token, expirationTime: new Date(expiresAt).toISOString() });
  });

  router.post('/devices', (req, res) => {
    const isRedemption = typeof req.body === 'object' && req.body !== null && 'token' in req.body;
    const device = isRedemption
      ? redeem(formBody(req, redemption).token)
      : claimDevice(access.user(req.headers), formBody(req, claim));
    res.status(201).location(`/devices/${device.id}`).json(deviceView(store, device));
  });

  /** Only the device itself opens (or closes) its claimable window. */
  router.post('/deviceRegistration', (req, res) => {
    const who = access.principal(req.headers);
    if (who.kind !== 'device') throw accessDenied();
    const body = formBody(req, registrationState);
    if (who.deviceId !== body.deviceId) throw accessDenied();
    const device = store.devices.get(body.deviceId);
    if (!device) throw accessDenied();
    device.claimableUntil = !body.claimable ? null : body.duration ? Date.now() + body.duration * 1000 : 'unlimited';
    // MODE's registration state: when the claimable window ends (null: not claimable, or no limit).
    res.json({ claimExpirationTime: claimExpirationTime(device) });
  });

  function redeem(token: string) {
    const provisioning = store.provisioningTokens.get(token);
    store.provisioningTokens.delete(token);
    if (!provisioning || provisioning.expiresAt < Date.now() || !store.homes.has(provisioning.homeId)) {
      throw invalidInput(403, 'INVALID_TOKEN');
    }
    const { homeId, deviceClass, tag } = provisioning;
    return store.addDevice({ homeId, deviceClass, tag, provisioning: 'on-demand' });
  }

  function claimDevice(who: UserKey, body: z.output<typeof claim>) {
    if (!store.membership(body.homeId, who.userId)) throw accessDenied();
    const device = [...store.devices.values()].find((candidate) => candidate.claimCode === body.claimCode);
    if (!device || device.provisioning !== 'pre') throw invalidInput(403, 'INVALID_CLAIM_CODE');
    if (!isClaimable(device)) {
      throw invalidInput(403, 'DEVICE_NOT_CLAIMABLE');
    }
    device.homeId = body.homeId;
    device.claimableUntil = null;
    device.claimTime = now();
    return device;
  }

  return router;
}
