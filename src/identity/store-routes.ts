import type { RouteModule } from '../services.ts';
import { storeAccountRoutes } from './customers/store-account-routes.ts';
import { storeAddressRoutes } from './customers/store-address-routes.ts';
import { storePasswordRoutes } from './customers/store-password-routes.ts';
import { store2faRoutes } from './two-factor/store-2fa-routes.ts';
import { passkeyStoreRoutes } from './passkeys/store-routes.ts';

/** Customer accounts on the storefront: registration, sign-in/out, profile, password reset and change, address book, two-step verification. */
export const identityStoreRoutes: RouteModule = (app, s) => {
  storeAccountRoutes(app, s);
  storeAddressRoutes(app, s);
  storePasswordRoutes(app, s);
  store2faRoutes(app, s);
  passkeyStoreRoutes(app, s);
};
