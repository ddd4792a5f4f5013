// A real OpenID Connect provider for the console's sign-in tests: panva's oidc-provider (npm),
// on 127.0.0.1, with one confidential client (the gateway) and test accounts whose "groups" claim
// the gateway maps to roles. Its development login and consent pages stand in for a company's
// login screen; everything else (discovery, JWKS, code + PKCE, ID tokens) is the real thing.
// Usage: node provider.mjs PORT REDIRECT_URI
import Provider from 'oidc-provider';

const [port, redirect] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const GROUPS = {
  'alice': ['edi-operators'],
  'carol': ['edi-admins', 'everyone'],
  'mallory': ['everyone'],
};

const provider = new Provider(issuer, {
  clients: [{
    client_id: 'gateway-console',
    client_secret: 'console-secret-for-tests',
    redirect_uris: [redirect],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'email'],
  claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'groups'], email: ['email'] },
  conformIdTokenClaims: false, // the ID token carries the profile claims (groups) itself
  findAccount: async (ctx, sub) => ({
    accountId: sub,
    async claims() {
      return {
        sub,
        name: sub,
        preferred_username: sub,
        email: `${sub}@example.test`,
        groups: GROUPS[sub] ?? [],
      };
    },
  }),
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['oidc-provider-test-cookie-key'] },
});
provider.proxy = false;
provider.listen(Number(port), '127.0.0.1', () => console.log(`ready ${issuer}`));
