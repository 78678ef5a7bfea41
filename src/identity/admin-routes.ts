import type { RouteModule } from '../services.ts';
import { adminAuthRoutes } from './admin-auth-routes.ts';
import { adminCustomerRoutes } from './admin-customer-routes.ts';
import { adminStaffRoutes } from './admin-staff-routes.ts';

/** Staff sign-in and setup (public), staff management and the customer directory. */
export const identityAdminRoutes: RouteModule = (app, s) => {
  adminAuthRoutes(app, s);
  adminStaffRoutes(app, s);
  adminCustomerRoutes(app, s);
};
