import type { RouteModule } from '../services.ts';
import { storeAccountRoutes } from './store-account-routes.ts';
import { storeAddressRoutes } from './store-address-routes.ts';

/** Customer accounts on the storefront: registration, sign-in/out, profile and address book. */
export const identityStoreRoutes: RouteModule = (app, s) => {
  storeAccountRoutes(app, s);
  storeAddressRoutes(app, s);
};
