import type { ApiRouter } from './http/route';
import { registerAuthRoutes } from './modules/auth/auth.router';
import { registerMeRoutes } from './modules/users/me.router';
import { registerOAuthRoutes, registerServiceClientRoutes } from './modules/service-clients';
import { registerAdminRoutes } from './modules/admin/admin.router';
import { registerHomeRoutes } from './modules/homes/homes.router';
import { registerMemberRoutes } from './modules/homes/members.router';
import { registerDeviceRoutes } from './modules/devices/devices.router';
import { registerKvRoutes } from './modules/kv/kv.router';
import { registerInvitationRoutes } from './modules/invitations/invitations.router';
import { registerEventRoutes } from './modules/events/events.router';
import { registerWebhookRoutes } from './modules/events/webhook.router';
import { registerNotificationRoutes } from './modules/notifications/notifications.router';
import { registerStreamRoutes } from './modules/stream/stream.router';
import { registerOAuthAppRoutes } from './modules/oauth-apps';
import type { Services } from './services';
import type { Web } from './web/web';

/** Every API route, by capability. */
export function registerRoutes(api: ApiRouter, services: Services): void {
  registerAuthRoutes(api, services.auth, services.authLimits);
  registerMeRoutes(api, services.users);
  registerHomeRoutes(api, services.homes);
  registerMemberRoutes(api, services.members, { addsPerHour: services.config.memberAddsPerHour, stores: services.rateLimitStores });
  registerDeviceRoutes(api, services.devices);
  registerKvRoutes(api, services.kv);
  registerInvitationRoutes(api, services.invitations, services.authLimits);
  registerWebhookRoutes(api, services.events);
  registerEventRoutes(api, services.events);
  registerStreamRoutes(api, services.stream);
  registerNotificationRoutes(api, services.notifications);
  registerServiceClientRoutes(api, services.serviceClients);
  registerOAuthRoutes(api, services.serviceClients, services.authLimits);
  registerAdminRoutes(api, services.admin);
  registerOAuthAppRoutes(api, services.oauthApps.service);
}

/** Every server-rendered page (HTML forms), by capability. */
export function registerPages(web: Web, services: Services): void {
  // Capabilities add their pages here: `registerXPages(web, services.x)`.
  services.oauthApps.registerPages(web);
}
