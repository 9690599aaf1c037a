// A real OpenID provider (the npm package oidc-provider) on loopback, for the single sign-on
// tests: `node provider.mjs PORT REDIRECT_URI POST_LOGOUT_URI`. Its development sign-in form
// accepts any password for the people below; it prints "ready" once it listens.
// `POST /test/disable/<login>` disables a person, as an admin would at a real provider: from
// then on the provider finds no such account (sign-in and refresh tokens refused).
import Provider from 'oidc-provider';

const [port, redirectUri, postLogoutUri] = process.argv.slice(2);

const people = {
  anna: {
    email: 'anna@corp.example', email_verified: true, name: 'Анна Сергеевна Лебедева',
    groups: ['/incidesk/agents'],
  },
  ivan: {
    email: 'ivan@corp.example', email_verified: true, name: 'Иван Петров', groups: [],
  },
  mallory: {
    email: 'boss@corp.example', email_verified: false, name: 'Not the boss', groups: [],
  },
  stranger: {
    email: 'stranger@elsewhere.example', email_verified: true, name: 'Stranger', groups: [],
  },
};

const disabled = new Set();
// The desk's back-channel sign-out, reached on IPv4 loopback (Node may try ::1 for localhost).
const backchannelUri = new URL('/sso/backchannel-logout/testidp/', redirectUri);
backchannelUri.hostname = '127.0.0.1';

const configuration = {
  clients: [{
    client_id: 'incidesk',
    client_secret: 'incidesk-test-secret',
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [postLogoutUri],
    backchannel_logout_uri: backchannelUri.href,
    backchannel_logout_session_required: true,
    token_endpoint_auth_method: 'client_secret_post',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
  }],
  scopes: ['openid', 'offline_access', 'email', 'profile', 'groups'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  async findAccount(ctx, id) {
    const person = disabled.has(id) ? undefined : people[id];
    if (!person) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...person }; } };
  },
  features: {
    devInteractions: { enabled: true },
    rpInitiatedLogout: { enabled: true },
    backchannelLogout: { enabled: true },
  },
  pkce: { required: () => true },
  // A refresh token for every sign-in (not only offline ones), as Keycloak gives.
  async issueRefreshToken(ctx, client) { return client.grantTypeAllowed('refresh_token'); },
  cookies: { keys: ['incidesk-test-cookie-key'] },
  // The desk is on loopback here, which oidc-provider's guard against requests to internal
  // addresses would refuse for the back-channel sign-out: only in this test provider.
  fetch(url, options) {
    const { dispatcher, ...rest } = options;
    return globalThis.fetch(url, rest);
  },
};

const provider = new Provider(`http://127.0.0.1:${port}`, configuration);
provider.use(async (ctx, next) => {
  const found = ctx.path.match(/^\/test\/disable\/(\w+)$/);
  if (found && ctx.method === 'POST') {
    disabled.add(found[1]);
    ctx.status = 204;
    return;
  }
  await next();
});
provider.listen(Number(port), '127.0.0.1', () => {
  console.log('ready');
});
