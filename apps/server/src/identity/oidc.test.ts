import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { authorizeAtProvider, startOidcProvider, type TestOidcProvider } from '../testing/oidc-provider.ts';

/**
 * OpenID Connect sign-in against a real provider (oidc-provider) running in this process: the
 * whole flow over HTTP, its failures, the claim mapping, and a school's own provider.
 */
const REDIRECT = 'http://localhost:8080/api/v1/auth/oidc/callback';

describe('sign-in through OpenID Connect', () => {
  let idp: TestOidcProvider;
  let t: TestApp;
  let admin: string;
  let schoolId: string;

  before(async () => {
    idp = await startOidcProvider({
      redirectUris: [REDIRECT],
      claims: (id) => (id.startsWith('phone:') ? { phone_number: id.slice(6), phone_number_verified: true } : {}),
    });
    t = await createTestApp({
      demo: true,
      env: {
        PARTA_OIDC_ISSUER: idp.issuer,
        PARTA_OIDC_CLIENT_ID: idp.clientId,
        PARTA_OIDC_CLIENT_SECRET: idp.clientSecret,
        PARTA_OIDC_NAME: 'Электронный дневник',
      },
    });
    admin = (await t.signIn('+79000000001')).token;
    schoolId = (await t.request('GET', '/api/v1/me', { token: admin })).json().schools[0].school.id;
  });
  after(async () => {
    await t.close();
    await idp.close();
  });

  /** A guardian on the demo school's roster with this phone and e-journal id. */
  async function person(lastName: string, phone: string | null, sourceId: string | null): Promise<string> {
    const res = await t.request('POST', `/api/v1/schools/${schoolId}/people`, {
      token: admin,
      body: { lastName, firstName: 'Анна', roles: ['guardian'], phone },
    });
    assert.equal(res.statusCode, 201, res.body);
    const id = res.json().id as string;
    if (sourceId) await sql`update persons set source_id = ${sourceId} where id = ${id}`.execute(t.runtime.ctx.db);
    return id;
  }

  /** Starts a flow and returns the redirect to the provider and the browser cookie. */
  async function start(query = '') {
    const res = await t.request('GET', `/api/v1/auth/oidc/start${query}`);
    assert.equal(res.statusCode, 302, res.body);
    const setCookie = String(res.headers['set-cookie']);
    assert.match(setCookie, /^parta_oidc=[\w-]{40,}; Path=\/api\/v1\/auth\/oidc; Max-Age=600; HttpOnly; SameSite=Lax/);
    return { location: String(res.headers.location), cookie: setCookie.split(';')[0]! };
  }

  async function callback(url: URL, cookie: string | null) {
    return t.request('GET', url.pathname + url.search, { headers: cookie ? { cookie } : {} });
  }

  /** The whole flow for a login at the provider; returns the callback's answer. */
  async function flow(login: string, query = '') {
    const { location, cookie } = await start(query);
    const answer = await authorizeAtProvider(location, login, REDIRECT);
    return { res: await callback(answer, cookie), answer, cookie };
  }

  test('the sign-in screen learns of the provider', async () => {
    const res = await t.request('GET', '/api/v1/auth/methods');
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json().oidc, [{ id: 'installation', name: 'Электронный дневник', schoolName: null }]);
    assert.equal(res.json().passkeys, true);
  });

  test('the authorization request carries PKCE (S256), state and nonce', async () => {
    const { location } = await start();
    const url = new URL(location);
    assert.equal(url.origin, idp.issuer);
    assert.equal(url.searchParams.get('response_type'), 'code');
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.match(url.searchParams.get('code_challenge') ?? '', /^[\w-]{43}$/);
    assert.ok((url.searchParams.get('state') ?? '').length >= 20);
    assert.ok((url.searchParams.get('nonce') ?? '').length >= 20);
    assert.equal(url.searchParams.get('redirect_uri'), REDIRECT);
    // Only hashes of the state are stored.
    const stored = await t.runtime.ctx.db.selectFrom('oidc_flows').select('state_hash').execute();
    assert.ok(stored.every((r) => r.state_hash !== url.searchParams.get('state')));
  });

  test('the e-journal id becomes the roster person, linked to an account on their roster phone, with the session of an SMS sign-in', async () => {
    const personId = await person('Журналова', '+79005550101', 'EJ-1001');
    const { res } = await flow('EJ-1001');
    assert.equal(res.statusCode, 303, res.body);
    const location = String(res.headers.location);
    assert.match(location, /^\/signin\/oidc#handoff=[\w-]{40,}$/);
    assert.match(String(res.headers['set-cookie']), /^parta_oidc=; .*Max-Age=0/);
    const handoff = location.split('#handoff=')[1]!;

    const session = await t.request('POST', '/api/v1/auth/oidc/session', { body: { handoff, deviceName: 'Телефон' } });
    assert.equal(session.statusCode, 200, session.body);
    const { token, user } = session.json();
    assert.equal(user.phone, '+79005550101');
    assert.equal(user.lastName, 'Журналова');
    const me = await t.request('GET', '/api/v1/me', { token });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().schools[0].school.id, schoolId);
    const row = await t.runtime.ctx.db.selectFrom('persons').select('user_id').where('id', '=', personId).executeTakeFirstOrThrow();
    assert.equal(row.user_id, user.id);
    const sessions = await t.request('GET', '/api/v1/sessions', { token });
    assert.equal(sessions.json().sessions[0].deviceName, 'Телефон');

    // The hand-off works once.
    const again = await t.request('POST', '/api/v1/auth/oidc/session', { body: { handoff } });
    assert.equal(again.statusCode, 400);
    assert.equal(again.json().error.code, 'oidc_handoff_invalid');

    // Next time: the same account; and the SMS sign-in of that phone is the same account too.
    const second = await flow('EJ-1001');
    const handoff2 = String(second.res.headers.location).split('#handoff=')[1]!;
    const s2 = await t.request('POST', '/api/v1/auth/oidc/session', { body: { handoff: handoff2 } });
    assert.equal(s2.json().user.id, user.id);
    assert.equal((await t.signIn('+79005550101')).userId, user.id);
  });

  test('a replayed answer, an answer without the browser cookie or with another state is refused as a state mismatch', async () => {
    await person('Повторова', '+79005550102', 'EJ-1002');
    const { res, answer, cookie } = await flow('EJ-1002');
    assert.equal(res.statusCode, 303);
    const replay = await callback(answer, cookie);
    assert.equal(replay.statusCode, 400);
    assert.match(replay.body, /data-error-code="oidc_state_mismatch"/);

    const other = await start();
    const otherAnswer = await authorizeAtProvider(other.location, 'EJ-1002', REDIRECT);
    const noCookie = await callback(otherAnswer, null);
    assert.equal(noCookie.statusCode, 400);
    assert.match(noCookie.body, /oidc_state_mismatch/);
    const forged = new URL(otherAnswer);
    forged.searchParams.set('state', 'not-a-state-of-ours-0123456789');
    const wrong = await callback(forged, other.cookie);
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.body, /oidc_state_mismatch/);
    // A cookie of another browser's flow does not fit either.
    const third = await start();
    const stolen = await callback(otherAnswer, third.cookie);
    assert.match(stolen.body, /oidc_state_mismatch/);
  });

  test('an answer after ten minutes is refused as expired', async () => {
    await person('Медленнова', '+79005550103', 'EJ-1003');
    const { location, cookie } = await start();
    const answer = await authorizeAtProvider(location, 'EJ-1003', REDIRECT);
    await t.runtime.ctx.db
      .updateTable('oidc_flows')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('consumed_at', 'is', null)
      .execute();
    const res = await callback(answer, cookie);
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /data-error-code="oidc_flow_expired"/);
    assert.match(res.body, /Время на вход истекло/);
  });

  test("the provider's refusal and a code it did not issue are provider errors", async () => {
    const { location, cookie } = await start();
    const state = new URL(location).searchParams.get('state')!;
    const denied = await t.request('GET', `/api/v1/auth/oidc/callback?error=access_denied&state=${state}&iss=${encodeURIComponent(idp.issuer)}`, {
      headers: { cookie },
    });
    assert.equal(denied.statusCode, 400);
    assert.match(denied.body, /data-error-code="oidc_provider_error"/);

    const next = await start();
    const state2 = new URL(next.location).searchParams.get('state')!;
    const forgedCode = await t.request('GET', `/api/v1/auth/oidc/callback?code=forged-code&state=${state2}&iss=${encodeURIComponent(idp.issuer)}`, {
      headers: { cookie: next.cookie },
    });
    assert.equal(forgedCode.statusCode, 400);
    assert.match(forgedCode.body, /oidc_provider_error/);
  });

  test('someone the roster does not know gets a readable page, in English when asked', async () => {
    const ru = await flow('EJ-nobody');
    assert.equal(ru.res.statusCode, 403);
    assert.match(String(ru.res.headers['content-type']), /text\/html/);
    assert.match(ru.res.body, /<html lang="ru">/);
    assert.match(ru.res.body, /Вас нет в списке школы/);
    assert.match(ru.res.body, /Код ошибки: oidc_person_unknown/);
    assert.doesNotMatch(ru.res.body, /<script/);
    const en = await flow('EJ-nobody', '?locale=en');
    assert.match(en.res.body, /<html lang="en">/);
    assert.match(en.res.body, /You are not on the school roster/);
    assert.equal(await t.runtime.ctx.db.selectFrom('oidc_handoffs').select('code_hash').where('provider', '=', 'nobody').executeTakeFirst(), undefined);
  });

  test('a person without a roster phone cannot get an account this way', async () => {
    await person('Безтелефонова', null, 'EJ-1004');
    const { res } = await flow('EJ-1004');
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /oidc_person_no_phone/);
  });

  test('an unknown provider and a bad start are refused clearly', async () => {
    const res = await t.request('GET', '/api/v1/auth/oidc/start?provider=00000000-0000-4000-8000-000000000000');
    assert.equal(res.statusCode, 404);
    assert.match(res.body, /oidc_not_configured/);
    const exchange = await t.request('POST', '/api/v1/auth/oidc/session', { body: { handoff: 'x'.repeat(43) } });
    assert.equal(exchange.statusCode, 400);
    assert.equal(exchange.json().error.code, 'oidc_handoff_invalid');
  });

  test("a school's own provider: admins only, checked on saving, the secret never shown, the claim matched against the roster phone", async () => {
    const teacher = (await t.signIn('+79000000002')).token;
    const body = {
      issuer: idp.issuer,
      clientId: idp.clientId,
      clientSecret: idp.clientSecret,
      scopes: 'openid phone',
      claim: 'phone_number',
      matchField: 'phone',
      displayName: 'Школьный журнал',
    };
    const forbidden = await t.request('PUT', `/api/v1/schools/${schoolId}/oidc`, { token: teacher, body });
    assert.equal(forbidden.statusCode, 403);
    const badIssuer = await t.request('PUT', `/api/v1/schools/${schoolId}/oidc`, { token: admin, body: { ...body, issuer: 'ftp://example' } });
    assert.equal(badIssuer.statusCode, 400);
    assert.equal(badIssuer.json().error.code, 'validation_failed');
    const noOpenid = await t.request('PUT', `/api/v1/schools/${schoolId}/oidc`, { token: admin, body: { ...body, scopes: 'phone' } });
    assert.equal(noOpenid.json().error.code, 'validation_failed');
    const unreachable = await t.request('PUT', `/api/v1/schools/${schoolId}/oidc`, { token: admin, body: { ...body, issuer: 'http://127.0.0.1:9/' } });
    assert.equal(unreachable.statusCode, 400);
    assert.equal(unreachable.json().error.code, 'oidc_config_invalid');
    assert.equal((await t.request('GET', `/api/v1/schools/${schoolId}/oidc`, { token: admin })).statusCode, 404);

    const saved = await t.request('PUT', `/api/v1/schools/${schoolId}/oidc`, { token: admin, body });
    assert.equal(saved.statusCode, 200, saved.body);
    assert.equal(saved.json().hasClientSecret, true);
    assert.equal(saved.json().redirectUri, REDIRECT);
    assert.ok(!JSON.stringify(saved.json()).includes(idp.clientSecret));
    // Saved again without a secret: the stored one stays.
    const kept = await t.request('PUT', `/api/v1/schools/${schoolId}/oidc`, { token: admin, body: { ...body, clientSecret: undefined } });
    assert.equal(kept.json().hasClientSecret, true);
    const methods = (await t.request('GET', '/api/v1/auth/methods')).json();
    assert.deepEqual(methods.oidc[1], { id: schoolId, name: 'Школьный журнал', schoolName: methods.oidc[1].schoolName });

    await person('Телефонова', '+79005550105', null);
    const { res } = await flow(`phone:+7 900 555-01-05`, `?provider=${schoolId}`);
    assert.equal(res.statusCode, 303, res.body);
    const handoff = String(res.headers.location).split('#handoff=')[1]!;
    const session = await t.request('POST', '/api/v1/auth/oidc/session', { body: { handoff } });
    assert.equal(session.json().user.phone, '+79005550105');

    const removed = await t.request('DELETE', `/api/v1/schools/${schoolId}/oidc`, { token: admin });
    assert.equal(removed.statusCode, 204);
    const gone = await t.request('GET', `/api/v1/auth/oidc/start?provider=${schoolId}`);
    assert.equal(gone.statusCode, 404);
  });
});
