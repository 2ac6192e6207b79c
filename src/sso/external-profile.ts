// From the provider's claims to the profile the gateway links and registers: the mapped identifier (or a 403
// when the provider sent none usable), then the admin's identifierFilter on exactly that string, then the
// groupFilter on the groups the provider sent (a person in none that matches is refused; nothing is written).
import type { Claims, ExternalProfile } from './field-mapping.js';
import { findIdentifier, mapProfile } from './field-mapping.js';
import { isIdentifierAllowed } from './identifier-filter.js';
import type { IdentityProvider } from './identity-provider.js';
import { providerName } from './provider-errors.js';
import { groupsNotAllowed, identifierNotAllowed, SsoError } from './sso-errors.js';
import { isAnyGroupAllowed } from './upstream-groups.js';

export function requireAllowedProfile(idp: IdentityProvider, claims: Claims): ExternalProfile {
  const mapping = idp.config.fieldMapping;
  const identifier = findIdentifier(claims, mapping);
  if (identifier === null) {
    throw new SsoError(
      'PERMISSION_DENIED',
      'IDENTIFIER_MISSING',
      `identity provider "${providerName(idp)}" did not return a usable "${mapping.identifier}" claim`,
      { provider: providerName(idp) },
    );
  }
  if (!isIdentifierAllowed(idp.identifierFilter, identifier)) throw identifierNotAllowed(identifier, providerName(idp));
  const profile = mapProfile(claims, mapping, identifier);
  if (!isAnyGroupAllowed(idp.groupFilter, profile.groups)) throw groupsNotAllowed(identifier, providerName(idp));
  return profile;
}
