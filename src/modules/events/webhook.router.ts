import { z } from 'zod';
import type { ApiRouter } from '../../http/route';
import type { EventsService } from './events.service';
import { ModeEventBody, WebhookAnswer } from './events.schemas';
import { WEBHOOK_PATH } from './webhook-endpoint';

// POST /webhooks/mode/events: MODE's Event Webhook. app.ts gives /webhooks the raw body, so the
// signature is checked over the exact bytes MODE signed before anything parses them.

export function registerWebhookRoutes(api: ApiRouter, events: EventsService): void {
  api.route(
    {
      method: 'post',
      path: WEBHOOK_PATH,
      summary: "MODE's Event Webhook: stores the event once and queues its notifications",
      tags: ['events'],
      access: 'public',
      documentedBody: { schema: ModeEventBody, contentTypes: ['application/json'] },
      headers: z.object({
        'X-Mode-Signature': z.string().openapi({ description: 'Lowercase hex HMAC-SHA256 of the Event Webhook URL followed by the raw body, keyed with MODE_WEBHOOK_KEY' }),
      }),
      responses: {
        200: { description: 'Stored, or stored already (a repeated delivery)', schema: WebhookAnswer },
        403: { description: '`invalid_signature`: X-Mode-Signature is missing or does not match' },
      },
    },
    async (_input, req, res) => {
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      res.json(await events.receiveWebhook(rawBody, req.get('x-mode-signature')));
    },
  );
}
