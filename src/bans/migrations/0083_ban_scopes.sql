-- Issue 12: bans beyond the network: an account (the blind index of the sign-in name, never in clear), a card
-- (the payment provider's fingerprint) and a shopper session (the cart owner key). The allow-list gets the same scopes.
alter table security_ban drop constraint security_ban_scope_check;
alter table security_ban add constraint security_ban_scope_check check (scope in ('ip', 'network', 'account', 'card', 'session'));
alter table security_allow add column scope text not null default 'network' check (scope in ('network', 'account', 'card', 'session'));
alter table security_allow drop constraint security_allow_cidr_key;
alter table security_allow add constraint security_allow_scope_cidr_key unique (scope, cidr);
