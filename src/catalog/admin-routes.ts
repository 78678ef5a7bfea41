import type { RouteModule } from '../services.ts';
import { categoryAdminRoutes } from './admin-categories.ts';
import { imageAdminRoutes } from './admin-images.ts';
import { imageOrderAdminRoutes } from './admin-image-order.ts';
import { productAdminRoutes } from './admin-products.ts';
import { variantAdminRoutes } from './admin-variants.ts';

/**
 * Catalog management in the admin console. T4: every route names catalog.read or catalog.write, so a
 * role without catalog rights (customer support) cannot even read it, and read-only roles cannot change it.
 */
export const catalogAdminRoutes: RouteModule = (app, s) => {
  productAdminRoutes(app, s);
  variantAdminRoutes(app, s);
  imageAdminRoutes(app, s);
  imageOrderAdminRoutes(app, s);
  categoryAdminRoutes(app, s);
};
