import webpush from 'web-push';
import type { Db } from '../db/schema.ts';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

/**
 * The server's VAPID key pair (RFC 8292): made once, kept in `instance_settings`, so it survives
 * restarts and every process signs with the same key (browsers bind a subscription to it).
 */
export async function vapidKeys(db: Db): Promise<VapidKeys> {
  const fresh = webpush.generateVAPIDKeys();
  await db
    .insertInto('instance_settings')
    .values({ key: 'vapid', value: JSON.stringify(fresh) })
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();
  const row = await db.selectFrom('instance_settings').select('value').where('key', '=', 'vapid').executeTakeFirstOrThrow();
  const keys = JSON.parse(row.value) as VapidKeys;
  return { publicKey: keys.publicKey, privateKey: keys.privateKey };
}

/** The VAPID `sub` claim: the operator's contact. An https site or a mailto: address. */
export function vapidSubject(publicUrl: string, configured: string | undefined): string {
  if (configured) return configured;
  const url = new URL(publicUrl);
  return url.protocol === 'https:' ? url.origin : `mailto:parta@${url.hostname === 'localhost' ? 'localhost.localdomain' : url.hostname}`;
}
