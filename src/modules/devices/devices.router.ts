import { z } from 'zod';
import { ErrorBody } from '../../http/openapi';
import type { ApiRouter } from '../../http/route';
import { principalOf } from '../auth/guards';
import { HomeParams, upstreamResponses } from '../homes/homes.schemas';
import { DeviceListQuery, DeviceStateView, DeviceWithStateView } from './device-state.schemas';
import { ClaimDeviceBody, CommandBody, DeviceParams, DeviceView, UpdateDeviceBody } from './devices.schemas';
import type { DevicesService } from './devices.service';

export function registerDeviceRoutes(api: ApiRouter, devices: DevicesService): void {
  const tags = ['devices'];
  const notFound = { description: 'No such device (or home) among yours', schema: ErrorBody };

  api.route(
    { method: 'get', path: '/v1/homes/:homeId/devices', summary: 'Devices of a home (from MODE), with `?include=state` each with its state (from the bridge)', tags, access: 'user', scope: 'devices:read', params: HomeParams, query: DeviceListQuery, responses: { ...upstreamResponses, 200: { description: 'Devices', schema: z.array(DeviceWithStateView) }, 404: notFound } },
    async ({ params, query }, req, res) => void res.json(await devices.listInHome(principalOf(req).userId, params.homeId, { includeState: query.include === 'state' })),
  );

  api.route(
    { method: 'get', path: '/v1/devices/:deviceId/state', summary: "A device's latest event of each type, as the bridge received them (MODE keeps no device state)", tags, access: 'user', scope: 'devices:read', params: DeviceParams, responses: { ...upstreamResponses, 200: { description: 'The device state; `latest` is `{}` before any event', schema: DeviceStateView }, 404: notFound } },
    async ({ params }, req, res) => void res.json(await devices.state(principalOf(req).userId, params.deviceId)),
  );

  api.route(
    { method: 'post', path: '/v1/homes/:homeId/devices', summary: 'Claim a pre-provisioned device into a home with its claim code', tags, access: 'user', scope: 'devices:write', params: HomeParams, body: ClaimDeviceBody, responses: { ...upstreamResponses, 201: { description: 'The claimed device', schema: DeviceView }, 404: notFound } },
    async ({ params, body }, req, res) => void res.status(201).json(await devices.claim(principalOf(req).userId, params.homeId, body.claimCode)),
  );

  api.route(
    { method: 'get', path: '/v1/devices/:deviceId', summary: 'One device', tags, access: 'user', scope: 'devices:read', params: DeviceParams, responses: { ...upstreamResponses, 200: { description: 'The device', schema: DeviceView }, 404: notFound } },
    async ({ params }, req, res) => void res.json(await devices.get(principalOf(req).userId, params.deviceId)),
  );

  api.route(
    { method: 'patch', path: '/v1/devices/:deviceId', summary: 'Rename or re-tag a device', tags, access: 'user', scope: 'devices:write', params: DeviceParams, body: UpdateDeviceBody, responses: { ...upstreamResponses, 204: { description: 'Changed' }, 404: notFound } },
    async ({ params, body }, req, res) => {
      await devices.update(principalOf(req).userId, params.deviceId, body);
      res.status(204).end();
    },
  );

  api.route(
    { method: 'delete', path: '/v1/devices/:deviceId', summary: 'Remove a device from its home (owners only)', tags, access: 'user', scope: 'devices:write', params: DeviceParams, responses: { ...upstreamResponses, 204: { description: 'Removed' }, 404: notFound } },
    async ({ params }, req, res) => {
      await devices.delete(principalOf(req).userId, params.deviceId);
      res.status(204).end();
    },
  );

  api.route(
    { method: 'put', path: '/v1/devices/:deviceId/command', summary: 'Send a command the command policy allows', tags, access: 'user', scope: 'devices:command', params: DeviceParams, body: CommandBody, responses: { ...upstreamResponses, 204: { description: 'Sent (MODE does not queue commands for disconnected devices)' }, 403: { description: 'command_not_allowed: the policy refuses this action or these parameters', schema: ErrorBody }, 404: notFound } },
    async ({ params, body }, req, res) => {
      await devices.sendCommand(principalOf(req).userId, params.deviceId, body);
      res.status(204).end();
    },
  );
}
