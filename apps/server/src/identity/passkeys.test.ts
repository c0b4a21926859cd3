import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { SoftAuthenticator, type SoftCredential } from '../testing/webauthn-authenticator.ts';
import { runMaintenance } from '../platform/maintenance.ts';

/** Passkeys: added after an SMS sign-in, then a sign-in of their own; every way an answer can be wrong. */
describe('passkeys', () => {
  let t: TestApp;
  let token: string;
  let userId: string;
  const origin = 'http://localhost:8080';
  const device = new SoftAuthenticator(origin);
  let credential: SoftCredential;

  before(async () => {
    t = await createTestApp({ demo: true });
    ({ token, userId } = await t.signIn('+79000000003'));
  });
  after(() => t.close());

  async function register(auth = device, as = token, name?: string) {
    const opts = await t.request('POST', '/api/v1/passkeys/options', { token: as });
    assert.equal(opts.statusCode, 200, opts.body);
    const { challengeId, options } = opts.json();
    const made = auth.create(options);
    const res = await t.request('POST', '/api/v1/passkeys', { token: as, body: { challengeId, response: made.response, name } });
    return { res, made, challengeId, options };
  }

  async function authOptions() {
    const res = await t.request('POST', '/api/v1/auth/passkey/options');
    assert.equal(res.statusCode, 200);
    return res.json() as { challengeId: string; options: Record<string, unknown> };
  }

  const signInWith = (challengeId: string, response: Record<string, unknown>) =>
    t.request('POST', '/api/v1/auth/passkey/session', { body: { challengeId, response, deviceName: 'Ноутбук' } });

  test('registration needs a session, and its options name the public URL as the relying party', async () => {
    const anon = await t.request('POST', '/api/v1/passkeys/options');
    assert.equal(anon.statusCode, 401);
    const opts = (await t.request('POST', '/api/v1/passkeys/options', { token })).json();
    assert.equal(opts.options.rp.id, 'localhost');
    assert.equal(opts.options.authenticatorSelection.residentKey, 'required');
    assert.equal(opts.options.attestation, 'none');
  });

  test('a passkey is added, listed, and signs in with no SMS', async () => {
    const { res, made } = await register(device, token, 'Мой телефон');
    assert.equal(res.statusCode, 201, res.body);
    credential = made.credential;
    assert.equal(res.json().name, 'Мой телефон');
    assert.deepEqual(res.json().transports, ['internal']);
    const list = await t.request('GET', '/api/v1/passkeys', { token });
    assert.deepEqual(
      list.json().passkeys.map((p: { id: string }) => p.id),
      [credential.id],
    );

    const codesBefore = await t.runtime.ctx.db.selectFrom('auth_codes').select('id').execute();
    const { challengeId, options } = await authOptions();
    assert.equal(options.rpId, 'localhost');
    assert.deepEqual(options.allowCredentials ?? [], []);
    const session = await signInWith(challengeId, device.get(options, credential));
    assert.equal(session.statusCode, 200, session.body);
    assert.equal(session.json().user.id, userId);
    const me = await t.request('GET', '/api/v1/me', { token: session.json().token });
    assert.equal(me.statusCode, 200);
    assert.equal((await t.runtime.ctx.db.selectFrom('auth_codes').select('id').execute()).length, codesBefore.length);
    const row = await t.runtime.ctx.db.selectFrom('passkeys').select(['counter', 'last_used_at']).where('id', '=', credential.id).executeTakeFirstOrThrow();
    assert.equal(Number(row.counter), 1);
    assert.ok(row.last_used_at);
  });

  test('the same key twice is refused, and another account cannot spend my registration challenge', async () => {
    const opts = (await t.request('POST', '/api/v1/passkeys/options', { token })).json();
    assert.deepEqual(
      opts.options.excludeCredentials.map((c: { id: string }) => c.id),
      [credential.id],
    );
    const other = await t.signIn('+79000000004');
    const made = device.create(opts.options);
    const stolen = await t.request('POST', '/api/v1/passkeys', { token: other.token, body: { challengeId: opts.challengeId, response: made.response } });
    assert.equal(stolen.statusCode, 400);
    assert.equal(stolen.json().error.code, 'passkey_challenge_invalid');
  });

  test('a registration answer to another challenge, or from another origin, is refused', async () => {
    const a = (await t.request('POST', '/api/v1/passkeys/options', { token })).json();
    const b = (await t.request('POST', '/api/v1/passkeys/options', { token })).json();
    const made = device.create(b.options);
    const wrong = await t.request('POST', '/api/v1/passkeys', { token, body: { challengeId: a.challengeId, response: made.response } });
    assert.equal(wrong.statusCode, 400);
    assert.equal(wrong.json().error.code, 'passkey_verification_failed');
    // The challenge was spent by the wrong answer.
    const retry = await t.request('POST', '/api/v1/passkeys', { token, body: { challengeId: a.challengeId, response: made.response } });
    assert.equal(retry.json().error.code, 'passkey_challenge_invalid');

    const phishing = new SoftAuthenticator('https://parta.example.evil');
    const c = (await t.request('POST', '/api/v1/passkeys/options', { token })).json();
    const fake = await t.request('POST', '/api/v1/passkeys', { token, body: { challengeId: c.challengeId, response: phishing.create(c.options).response } });
    assert.equal(fake.json().error.code, 'passkey_verification_failed');
    assert.equal((await t.request('GET', '/api/v1/passkeys', { token })).json().passkeys.length, 1);
  });

  test('a sign-in answer to the wrong challenge is refused', async () => {
    const a = await authOptions();
    const b = await authOptions();
    const res = await signInWith(a.challengeId, device.get(b.options, credential));
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'passkey_verification_failed');
    const forRp = await authOptions();
    const otherRp = await signInWith(forRp.challengeId, device.get(forRp.options, credential, { rpId: 'evil.example' }));
    assert.equal(otherRp.json().error.code, 'passkey_verification_failed');
  });

  test('a replayed answer is refused: the challenge is single use', async () => {
    const { challengeId, options } = await authOptions();
    const answer = device.get(options, credential);
    assert.equal((await signInWith(challengeId, answer)).statusCode, 200);
    const replay = await signInWith(challengeId, answer);
    assert.equal(replay.statusCode, 400);
    assert.equal(replay.json().error.code, 'passkey_challenge_invalid');
  });

  test('an expired challenge is refused', async () => {
    const { challengeId, options } = await authOptions();
    await t.runtime.ctx.db
      .updateTable('webauthn_challenges')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', challengeId)
      .execute();
    const res = await signInWith(challengeId, device.get(options, credential));
    assert.equal(res.json().error.code, 'passkey_challenge_invalid');
  });

  test('a credential the server does not know is refused', async () => {
    const stranger = new SoftAuthenticator(origin);
    const fake = stranger.create({ rp: { id: 'localhost' }, user: { id: 'AAAA' }, challenge: 'x' }).credential;
    const { challengeId, options } = await authOptions();
    const res = await signInWith(challengeId, stranger.get(options, fake));
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'passkey_unknown');
  });

  test('a signature counter that goes back (a cloned key) is refused', async () => {
    const before = Number((await t.runtime.ctx.db.selectFrom('passkeys').select('counter').where('id', '=', credential.id).executeTakeFirstOrThrow()).counter);
    const { challengeId, options } = await authOptions();
    const res = await signInWith(challengeId, device.get(options, credential, { counter: before - 1 }));
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error.code, 'passkey_counter_regressed');
    const same = await authOptions();
    const equal = await signInWith(same.challengeId, device.get(same.options, credential, { counter: before }));
    assert.equal(equal.json().error.code, 'passkey_counter_regressed');
  });

  test('a user handle of another account is refused', async () => {
    const { challengeId, options } = await authOptions();
    const answer = device.get(options, credential) as { response: { userHandle: string } };
    answer.response.userHandle = Buffer.from('00000000000040008000000000000000', 'hex').toString('base64url');
    const res = await signInWith(challengeId, answer);
    assert.equal(res.json().error.code, 'passkey_verification_failed');
  });

  test('a deleted passkey no longer signs in; one cannot delete another account’s passkey', async () => {
    const other = await t.signIn('+79000000002');
    const foreign = await t.request('DELETE', `/api/v1/passkeys/${credential.id}`, { token: other.token });
    assert.equal(foreign.statusCode, 404);
    assert.equal(foreign.json().error.code, 'passkey_not_found');
    const del = await t.request('DELETE', `/api/v1/passkeys/${credential.id}`, { token });
    assert.equal(del.statusCode, 204);
    assert.deepEqual((await t.request('GET', '/api/v1/passkeys', { token })).json().passkeys, []);
    const { challengeId, options } = await authOptions();
    const res = await signInWith(challengeId, device.get(options, credential));
    assert.equal(res.json().error.code, 'passkey_unknown');
  });

  test('maintenance deletes challenges a day after they expire, and keeps live ones', async () => {
    const { challengeId } = await authOptions();
    await runMaintenance(t.runtime.ctx);
    assert.ok(await t.runtime.ctx.db.selectFrom('webauthn_challenges').select('id').where('id', '=', challengeId).executeTakeFirst());
    await runMaintenance(t.runtime.ctx, new Date(Date.now() + 2 * 86_400_000));
    assert.equal(await t.runtime.ctx.db.selectFrom('webauthn_challenges').select('id').where('id', '=', challengeId).executeTakeFirst(), undefined);
  });
});
