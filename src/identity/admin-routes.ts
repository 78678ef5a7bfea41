import type { RouteModule } from '../services.ts';
import { adminAuthRoutes } from './staff/admin-auth-routes.ts';
import { adminCustomerRoutes } from './customers/admin-customer-routes.ts';
import { adminStaffRoutes } from './staff/admin-staff-routes.ts';
import { emergencyRoutes } from './staff/emergency-routes.ts';
import { passkeyAdminRoutes } from './passkeys/admin-routes.ts';

/** Staff sign-in, 2FA and setup, staff management, the customer directory and emergency actions. */
export const identityAdminRoutes: RouteModule = (app, s) => {
  adminAuthRoutes(app, s);
  adminStaffRoutes(app, s);
  adminCustomerRoutes(app, s);
  emergencyRoutes(app, s);
  passkeyAdminRoutes(app, s);
};
