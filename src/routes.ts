import type { ApiRouter } from './http/route';
import { registerAuthRoutes } from './modules/auth/auth.router';
import { registerMeRoutes } from './modules/users/me.router';
import type { Services } from './services';

/** Every API route, by capability. */
export function registerRoutes(api: ApiRouter, services: Services): void {
  registerAuthRoutes(api, services.auth, services.authLimits);
  registerMeRoutes(api, services.users);
}
