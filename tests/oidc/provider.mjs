// A real OpenID Provider for the integration tests: `oidc-provider` (a
// certified implementation) on a random loopback port. It prints
// `ISSUER <url>` once it listens; the test kills it when done.
//
// Environment:
//   OIDC_REDIRECT_URI  the relying party's callback (both clients use it)
//   OIDC_ACCOUNTS      JSON {sub: {email, email_verified, amr: [...]}}
//
// There is no login form: the interaction signs in the account named by the
// authorization request's `login_hint` and grants the requested scopes, so
// a test can drive the whole code flow with plain HTTP requests.
import http from 'node:http';
import Provider from 'oidc-provider';

const redirectUri = process.env.OIDC_REDIRECT_URI;
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || '{}');

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const client = (id) => ({
  client_id: id,
  client_secret: `${id}-secret`,
  redirect_uris: [redirectUri],
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
});

const provider = new Provider(issuer, {
  clients: [client('rampart'), client('other')],
  pkce: { required: () => true },
  // Email in the ID token itself, as the big providers do.
  conformIdTokenClaims: false,
  // amr and acr with every openid scope, so the RP can judge the factors.
  claims: { openid: ['sub', 'acr', 'amr'], email: ['email', 'email_verified'] },
  // Short, so a test can expire an ID token by moving the RP's clock.
  ttl: { IdToken: 60, AuthorizationCode: 60, AccessToken: 60, Session: 600, Interaction: 600, Grant: 600 },
  cookies: { keys: ['rampart-test-only-cookie-key'] },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, sub) {
    const account = accounts[sub];
    if (!account) return undefined;
    return {
      accountId: sub,
      async claims() {
        return { sub, email: account.email, email_verified: account.email_verified };
      },
    };
  },
});

async function interaction(req, res) {
  try {
    const details = await provider.interactionDetails(req, res);
    const { prompt, params } = details;
    let result;
    if (prompt.name === 'login') {
      const sub = params.login_hint;
      const account = accounts[sub];
      if (!account) {
        result = { error: 'access_denied', error_description: 'unknown test account' };
      } else {
        result = { login: { accountId: sub, amr: account.amr || ['pwd'] } };
      }
    } else {
      const grant = details.grantId
        ? await provider.Grant.find(details.grantId)
        : new provider.Grant({ accountId: details.session.accountId, clientId: params.client_id });
      grant.addOIDCScope(params.scope);
      result = { consent: { grantId: await grant.save() } };
    }
    await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: false });
  } catch (e) {
    res.statusCode = 500;
    res.end(String(e));
  }
}

const callback = provider.callback();
server.on('request', (req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res);
  } else {
    callback(req, res);
  }
});

console.log(`ISSUER ${issuer}`);
