// Memos' IdentityProvider resource as JSON. The client secret is write-only: always "" (REST emits defaults).
// The gateway's extensions (issuer, redirectUris, tokenEndpointAuthMethod, fieldMapping.username, requireSecondFactor) appear only
// when set, so Memos-shaped providers read back exactly as Memos would show them.
import type { IdentityProvider } from './identity-provider.js';

export function toIdentityProviderJson(idp: IdentityProvider) {
  const c = idp.config;
  return {
    name: `identity-providers/${idp.uid}`,
    type: idp.type,
    title: idp.title,
    identifierFilter: idp.identifierFilter,
    ...(idp.groupFilter ? { groupFilter: idp.groupFilter } : {}),
    config: {
      oauth2Config: {
        clientId: c.clientId,
        clientSecret: '',
        authUrl: c.authUrl,
        tokenUrl: c.tokenUrl,
        userInfoUrl: c.userInfoUrl,
        scopes: [...c.scopes],
        fieldMapping: {
          identifier: c.fieldMapping.identifier,
          displayName: c.fieldMapping.displayName,
          email: c.fieldMapping.email,
          avatarUrl: c.fieldMapping.avatarUrl,
          ...(c.fieldMapping.username ? { username: c.fieldMapping.username } : {}),
          ...(c.fieldMapping.groups ? { groups: c.fieldMapping.groups } : {}),
        },
        ...(c.issuer ? { issuer: c.issuer } : {}),
        ...(c.redirectUris.length > 0 ? { redirectUris: [...c.redirectUris] } : {}),
        ...(c.tokenEndpointAuthMethod ? { tokenEndpointAuthMethod: c.tokenEndpointAuthMethod } : {}),
        ...(c.requireSecondFactor === true ? { requireSecondFactor: true } : {}),
        ...(c.endSessionAtProvider === true ? { endSessionAtProvider: true } : {}),
      },
    },
  };
}
