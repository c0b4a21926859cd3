import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Passkey } from '@parta/protocol';
import type { AppContext } from '../context.ts';
import { AppError } from '../http/errors.ts';
import { doCreateSession, type DeviceInfo } from './sessions.ts';
import type { UserRow } from './store.ts';

/**
 * Passkeys (WebAuthn, docs/subsystems/identity.md): a signed-in account registers a credential;
 * later the credential alone opens a session, with no SMS. Every ceremony's challenge is made and
 * kept on the server, lives five minutes and is spent by the first answer, right or wrong.
 */

export const CHALLENGE_TTL_SECONDS = 5 * 60;

/** The relying party: the public URL's host name and origin (PARTA_PUBLIC_URL). */
export function relyingParty(ctx: AppContext): { rpID: string; origin: string; rpName: string } {
  const url = new URL(ctx.config.publicUrl);
  return { rpID: url.hostname, origin: url.origin, rpName: 'Parta' };
}

function uuidBytes(id: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(id.replace(/-/g, ''), 'hex'));
}

async function newChallenge(ctx: AppContext, purpose: 'register' | 'authenticate', userId: string | null, challenge: string): Promise<string> {
  const row = await ctx.db
    .insertInto('webauthn_challenges')
    .values({ purpose, user_id: userId, challenge, expires_at: new Date(Date.now() + CHALLENGE_TTL_SECONDS * 1000) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Spends a challenge: once, before it expires, for its purpose (and its account when it has one). */
async function spendChallenge(ctx: AppContext, id: string, purpose: 'register' | 'authenticate', userId: string | null): Promise<string> {
  let q = ctx.db
    .updateTable('webauthn_challenges')
    .set({ used_at: new Date() })
    .where('id', '=', id)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', new Date());
  q = userId ? q.where('user_id', '=', userId) : q.where('user_id', 'is', null);
  const row = await q.returning('challenge').executeTakeFirst();
  if (!row) throw new AppError('passkey_challenge_invalid', 400);
  return row.challenge;
}

export async function registrationOptions(ctx: AppContext, user: UserRow) {
  const rp = relyingParty(ctx);
  const existing = await ctx.db.selectFrom('passkeys').select(['id', 'transports']).where('user_id', '=', user.id).execute();
  const name = [user.last_name, user.first_name].filter(Boolean).join(' ');
  const options = await generateRegistrationOptions({
    rpName: rp.rpName,
    rpID: rp.rpID,
    userName: user.phone,
    userDisplayName: name || user.phone,
    userID: uuidBytes(user.id),
    attestationType: 'none',
    excludeCredentials: existing.map((c) => ({ id: c.id, transports: c.transports })),
    // Discoverable: at sign-in the browser offers the key without a phone number typed first.
    authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
  });
  const challengeId = await newChallenge(ctx, 'register', user.id, options.challenge);
  return { challengeId, options: options as unknown as Record<string, unknown> };
}

function presentPasskey(row: { id: string; name: string; transports: string[]; backed_up: boolean; created_at: Date; last_used_at: Date | null }): Passkey {
  return {
    id: row.id,
    name: row.name,
    transports: row.transports,
    backedUp: row.backed_up,
    createdAt: row.created_at.toISOString(),
    lastUsedAt: row.last_used_at?.toISOString() ?? null,
  };
}

export async function registerPasskey(
  ctx: AppContext,
  user: UserRow,
  challengeId: string,
  response: Record<string, unknown>,
  name: string | null,
): Promise<Passkey> {
  const rp = relyingParty(ctx);
  const challenge = await spendChallenge(ctx, challengeId, 'register', user.id);
  let info;
  try {
    const verification = await verifyRegistrationResponse({
      response: response as unknown as RegistrationResponseJSON,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpID,
      requireUserVerification: false,
    });
    if (!verification.verified) throw new Error('not verified');
    info = verification.registrationInfo;
  } catch (err) {
    ctx.log.info({ err: (err as Error).message, userId: user.id }, 'passkey registration refused');
    throw new AppError('passkey_verification_failed', 400);
  }
  const { credential } = info;
  const transports = credential.transports ?? [];
  const inserted = await ctx.db
    .insertInto('passkeys')
    .values({
      id: credential.id,
      user_id: user.id,
      public_key: credential.publicKey,
      counter: credential.counter,
      transports,
      device_type: info.credentialDeviceType,
      backed_up: info.credentialBackedUp,
      name: name ?? defaultName(transports),
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .returningAll()
    .executeTakeFirst();
  if (!inserted) throw new AppError('passkey_already_registered', 409);
  return presentPasskey(inserted);
}

function defaultName(transports: string[]): string {
  return transports.includes('internal') || transports.includes('hybrid') ? 'Passkey' : 'Security key';
}

export async function authenticationOptions(ctx: AppContext) {
  const rp = relyingParty(ctx);
  const options = await generateAuthenticationOptions({ rpID: rp.rpID, userVerification: 'preferred' });
  const challengeId = await newChallenge(ctx, 'authenticate', null, options.challenge);
  return { challengeId, options: options as unknown as Record<string, unknown> };
}

/** Checks an assertion against its challenge and the stored credential, then opens a session. */
export async function signInWithPasskey(ctx: AppContext, challengeId: string, response: Record<string, unknown>, device: DeviceInfo) {
  const rp = relyingParty(ctx);
  const challenge = await spendChallenge(ctx, challengeId, 'authenticate', null);
  const assertion = response as unknown as AuthenticationResponseJSON;
  const credentialId = typeof assertion.id === 'string' ? assertion.id : '';
  const stored = credentialId ? await ctx.db.selectFrom('passkeys').selectAll().where('id', '=', credentialId).executeTakeFirst() : undefined;
  if (!stored) throw new AppError('passkey_unknown', 400);
  // The authenticator's user handle, when it gives one, must be the account the credential was made for.
  const handle = assertion.response?.userHandle;
  if (handle && Buffer.from(handle, 'base64url').toString('hex') !== stored.user_id.replace(/-/g, '')) {
    throw new AppError('passkey_verification_failed', 400);
  }
  let newCounter: number;
  try {
    const verification = await verifyAuthenticationResponse({
      response: assertion,
      expectedChallenge: challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.rpID,
      credential: { id: stored.id, publicKey: new Uint8Array(stored.public_key), counter: Number(stored.counter), transports: stored.transports },
      requireUserVerification: false,
    });
    if (!verification.verified) throw new Error('not verified');
    newCounter = verification.authenticationInfo.newCounter;
  } catch (err) {
    const message = (err as Error).message;
    ctx.log.info({ err: message, credentialId }, 'passkey sign-in refused');
    // A counter that did not grow: the key may have been cloned (WebAuthn §6.1.1).
    if (/counter/i.test(message)) throw new AppError('passkey_counter_regressed', 400);
    throw new AppError('passkey_verification_failed', 400);
  }
  return ctx.db.transaction().execute(async (trx) => {
    // Compare-and-set on the counter: two uses of one assertion cannot both pass.
    const updated = await trx
      .updateTable('passkeys')
      .set({ counter: newCounter, last_used_at: new Date() })
      .where('id', '=', stored.id)
      .where('counter', '=', Number(stored.counter))
      .returning('user_id')
      .executeTakeFirst();
    if (!updated) throw new AppError('passkey_counter_regressed', 400);
    return doCreateSession(trx, stored.user_id, device);
  });
}

export async function listPasskeys(ctx: AppContext, userId: string): Promise<Passkey[]> {
  const rows = await ctx.db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();
  return rows.map(presentPasskey);
}

export async function deletePasskey(ctx: AppContext, userId: string, id: string): Promise<void> {
  const res = await ctx.db.deleteFrom('passkeys').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  if (Number(res.numDeletedRows) === 0) throw new AppError('passkey_not_found', 404);
}
