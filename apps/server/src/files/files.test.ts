import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import sharp from 'sharp';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';
import { actor, chatOf, send, type Actor } from '../messaging/test-helpers.ts';
import { startS3TestServer, type S3TestServer } from '../storage/s3-test-server.ts';
import { jpegWithExif, MINIMAL_PDF, spooled, storedObjects, upload } from './test-helpers.ts';

const LIMIT = 300_000;

describe('files: upload, download, attachments', () => {
  let t: TestApp;
  let teacher: Actor, student: Actor, removed: Actor, outsider: Actor, otherClassStudent: Actor, otherClassGuardian: Actor;
  let classChat: string, channel: string, otherClassChat: string;

  before(async () => {
    t = await createTestApp({ demo: true, env: { PARTA_MAX_UPLOAD_BYTES: String(LIMIT) } });
    teacher = await actor(t, DEMO_PHONES.classTeacher5A);
    student = await actor(t, DEMO_PHONES.student5A);
    removed = await actor(t, '+79001100004');
    outsider = await actor(t, '+79009999999');
    otherClassStudent = await actor(t, '+79001200001');
    otherClassGuardian = await actor(t, DEMO_PHONES.guardian6B);
    classChat = (await chatOf(t, teacher, 'class', '5А')).id;
    channel = (await chatOf(t, student, 'school_channel')).id;
    otherClassChat = (await chatOf(t, otherClassGuardian, 'parents')).id;
  });
  after(() => t.close());

  test('an image: dimensions upright, a 320 px WebP thumbnail, and an upright original, all without EXIF', async () => {
    const jpeg = await jpegWithExif();
    assert.ok((await sharp(jpeg).metadata()).exif, 'the test picture carries EXIF');
    const res = await upload(t, teacher.token, classChat, 'Фото доски.jpg', jpeg, 'image/jpeg');
    assert.equal(res.statusCode, 201, res.body);
    const file = res.json();
    assert.equal(file.kind, 'image');
    assert.equal(file.contentType, 'image/jpeg');
    assert.equal(file.name, 'Фото доски.jpg');
    assert.deepEqual([file.width, file.height], [800, 1200]);
    assert.equal(file.url, `/api/v1/files/${file.id}`);
    assert.equal(file.thumbnailUrl, `/api/v1/files/${file.id}/thumbnail`);

    const thumb = await t.request('GET', file.thumbnailUrl, { token: teacher.token });
    assert.equal(thumb.statusCode, 200);
    assert.equal(thumb.headers['content-type'], 'image/webp');
    assert.equal(thumb.headers['x-content-type-options'], 'nosniff');
    const meta = await sharp(thumb.rawPayload).metadata();
    assert.equal(meta.format, 'webp');
    assert.deepEqual([meta.width, meta.height], [213, 320]);
    assert.equal(meta.exif, undefined);
    assert.equal(meta.orientation, undefined);
    assert.ok(!thumb.rawPayload.includes(Buffer.from('PartaCam')) && !thumb.rawPayload.includes(Buffer.from('55.75N')));

    const original = await t.request('GET', file.url, { token: teacher.token });
    assert.equal(original.statusCode, 200);
    assert.equal(original.headers['content-type'], 'image/jpeg');
    assert.equal(original.headers['content-length'], String(file.size));
    assert.equal(original.rawPayload.length, file.size);
    const stored = await sharp(original.rawPayload).metadata();
    assert.equal(stored.format, 'jpeg');
    assert.deepEqual([stored.width, stored.height], [800, 1200], 'turned upright');
    assert.equal(stored.exif, undefined, 'the original keeps no EXIF');
    assert.equal(stored.orientation, undefined);
    assert.ok(!original.rawPayload.includes(Buffer.from('PartaCam')) && !original.rawPayload.includes(Buffer.from('55.75N')));
    assert.match(String(original.headers['content-disposition']), /^inline; filename="[^"]*"; filename\*=UTF-8''%D0%A4%D0%BE%D1%82%D0%BE%20/);
    assert.equal(original.headers['x-content-type-options'], 'nosniff');
  });

  test('a file is the uploader’s alone until attached; a message links it and carries its metadata', async () => {
    const up = await upload(t, teacher.token, classChat, 'Расписание контрольных.pdf', MINIMAL_PDF, 'application/pdf');
    assert.equal(up.statusCode, 201, up.body);
    const file = up.json();
    assert.equal(file.kind, 'file');
    assert.equal(file.contentType, 'application/pdf');
    assert.equal(file.thumbnailUrl, null);
    assert.equal((await t.request('GET', file.url, { token: student.token })).statusCode, 404, 'not attached yet');

    const message = await send(t, teacher, classChat, 'Расписание во вложении', { attachments: [file.id] });
    assert.deepEqual(message.attachments, [
      {
        id: file.id,
        kind: 'file',
        name: 'Расписание контрольных.pdf',
        contentType: 'application/pdf',
        size: MINIMAL_PDF.length,
        width: null,
        height: null,
        url: file.url,
        thumbnailUrl: null,
      },
    ]);
    const history = await t.request('GET', `/api/v1/chats/${classChat}/messages`, { token: student.token });
    const listed = history.json().messages.find((m: { id: string }) => m.id === message.id);
    assert.equal(listed.attachments[0].id, file.id);

    const got = await t.request('GET', file.url, { token: student.token });
    assert.equal(got.statusCode, 200);
    assert.ok(got.rawPayload.equals(MINIMAL_PDF));
    assert.equal(got.headers['content-type'], 'application/pdf');
    assert.match(String(got.headers['content-disposition']), /^attachment; /);
    assert.equal(got.headers['x-content-type-options'], 'nosniff');
    assert.equal((await t.request('GET', `${file.url}/thumbnail`, { token: student.token })).statusCode, 404);
  });

  test('attachments must be my own uploads into this chat, each attached once', async () => {
    const mine = (await upload(t, teacher.token, classChat, 'a.txt', Buffer.from('задание 1\n'))).json();
    const studentsFile = (await upload(t, student.token, classChat, 'b.txt', Buffer.from('ответ\n'))).json();
    const elsewhere = (await upload(t, teacher.token, (await chatOf(t, teacher, 'parents', '5А')).id, 'c.txt', Buffer.from('родителям\n'))).json();
    for (const [ids, why] of [
      [[studentsFile.id], 'someone else’s upload'],
      [[elsewhere.id], 'an upload into another chat'],
      [[crypto.randomUUID()], 'no such file'],
      [[mine.id, studentsFile.id], 'one of two is not mine'],
    ] as const) {
      const res = await t.request('POST', `/api/v1/chats/${classChat}/messages`, {
        token: teacher.token,
        body: { clientId: crypto.randomUUID(), text: 'x', attachments: ids },
      });
      assert.equal(res.statusCode, 400, why);
      assert.equal(res.json().error.code, 'attachment_invalid', why);
    }
    await send(t, teacher, classChat, '', { attachments: [mine.id] });
    const again = await t.request('POST', `/api/v1/chats/${classChat}/messages`, {
      token: teacher.token,
      body: { clientId: crypto.randomUUID(), text: 'ещё раз', attachments: [mine.id] },
    });
    assert.equal(again.statusCode, 400);
    assert.equal(again.json().error.code, 'attachment_invalid');
  });

  test('two tries of one send with a file, at once, store one message and both return it', async () => {
    const file = (await upload(t, teacher.token, classChat, 'повтор.txt', Buffer.from('отправлено дважды\n'))).json();
    const body = { clientId: crypto.randomUUID(), text: 'с файлом', attachments: [file.id] };
    const tries = await Promise.all([1, 2, 3].map(() => t.request('POST', `/api/v1/chats/${classChat}/messages`, { token: teacher.token, body })));
    assert.deepEqual(tries.map((r) => r.statusCode).sort(), [200, 200, 201], tries.map((r) => r.body).join('\n'));
    assert.equal(new Set(tries.map((r) => r.json().id)).size, 1);
    assert.equal(tries[0]!.json().attachments[0].id, file.id);
  });

  test('outsiders, another class’s student and guardian, and a removed member get 404 for upload and download', async () => {
    const file = (await upload(t, teacher.token, classChat, 'контрольная.txt', Buffer.from('Вариант 1\n'))).json();
    await send(t, teacher, classChat, 'Варианты', { attachments: [file.id] });
    assert.equal((await t.request('GET', file.url, { token: removed.token })).statusCode, 200, 'still a member');

    const admin = await actor(t, DEMO_PHONES.admin);
    const cls = await chatOf(t, teacher, 'class', '5А');
    const left = await t.request('DELETE', `/api/v1/schools/${admin.schoolId}/classes/${cls.classId}/students/${removed.personId}`, { token: admin.token });
    assert.equal(left.statusCode, 204, left.body);

    for (const [who, a] of Object.entries({ outsider, otherClassStudent, otherClassGuardian, removed })) {
      for (const url of [file.url, file.thumbnailUrl ?? `${file.url}/thumbnail`]) {
        const res = await t.request('GET', url, { token: a.token });
        assert.equal(res.statusCode, 404, `${who} ${url}`);
        assert.equal(res.json().error.code, 'file_not_found', who);
      }
      const up = await upload(t, a.token, classChat, 'x.txt', Buffer.from('hello\n'));
      assert.equal(up.statusCode, 404, who);
      assert.equal(up.json().error.code, 'chat_not_found', who);
    }
    assert.equal((await t.request('GET', file.url)).statusCode, 401, 'no session');
    assert.equal((await t.request('GET', `/api/v1/files/${crypto.randomUUID()}`, { token: teacher.token })).statusCode, 404);
  });

  test('a forwarded attachment is readable by the members of the chat it was forwarded to', async () => {
    const guardian = await actor(t, DEMO_PHONES.guardian5A);
    const parentsChat = (await chatOf(t, teacher, 'parents', '5А')).id;
    const file = (await upload(t, teacher.token, classChat, 'памятка.txt', Buffer.from('Сменная обувь\n'))).json();
    const original = await send(t, teacher, classChat, 'Памятка', { attachments: [file.id] });
    assert.equal((await t.request('GET', file.url, { token: guardian.token })).statusCode, 404, 'the guardian is not in the class chat');
    const forwarded = await send(t, teacher, parentsChat, '', { forwardOf: original.id });
    assert.equal(forwarded.attachments[0]!.id, file.id);
    const got = await t.request('GET', file.url, { token: guardian.token });
    assert.equal(got.statusCode, 200);
    assert.equal(got.rawPayload.toString(), 'Сменная обувь\n');
  });

  test('a file of a message deleted for everyone is no longer served', async () => {
    const file = (await upload(t, teacher.token, classChat, 'ошибка.txt', Buffer.from('не то\n'))).json();
    const message = await send(t, teacher, classChat, 'упс', { attachments: [file.id] });
    assert.equal((await t.request('GET', file.url, { token: student.token })).statusCode, 200);
    const del = await t.request('DELETE', `/api/v1/chats/${classChat}/messages/${message.id}`, { token: teacher.token });
    assert.equal(del.statusCode, 204);
    assert.equal((await t.request('GET', file.url, { token: student.token })).statusCode, 404);
    assert.equal((await t.request('GET', file.url, { token: teacher.token })).statusCode, 404);
  });

  test('over the size limit: 413 payload_too_large, and nothing is stored or left behind', async () => {
    const before = storedObjects(t);
    const rows = await t.runtime.ctx.db.selectFrom('files').select('id').execute();
    const res = await upload(t, teacher.token, classChat, 'big.txt', Buffer.alloc(LIMIT + 1, 0x61));
    assert.equal(res.statusCode, 413, res.body);
    assert.equal(res.json().error.code, 'payload_too_large');
    const exact = await upload(t, teacher.token, classChat, 'exact.txt', Buffer.alloc(LIMIT, 0x61));
    assert.equal(exact.statusCode, 201, 'exactly the limit is accepted');
    assert.equal(storedObjects(t).length, before.length + 1);
    assert.equal((await t.runtime.ctx.db.selectFrom('files').select('id').execute()).length, rows.length + 1);
    assert.deepEqual(spooled(t), []);
  });

  test('types are decided by the bytes: executables, archives and binary junk get 415 unsupported_media_type, stored nowhere', async () => {
    const before = storedObjects(t);
    const count = (await t.runtime.ctx.db.selectFrom('files').select('id').execute()).length;
    const zip = Buffer.from('504b0304140000000800000000000000000000000000000000000500000061', 'hex');
    const exe = Buffer.concat([Buffer.from('MZ'), Buffer.alloc(58), Buffer.from([0x80, 0, 0, 0]), Buffer.alloc(64), Buffer.from('PE\0\0'), Buffer.alloc(200)]);
    const cases: [string, Buffer, string][] = [
      ['домашка.jpg', zip, 'image/jpeg'],
      ['setup.pdf', exe, 'application/pdf'],
      ['notes.txt', crypto.randomBytes(4096), 'text/plain'],
      ['broken.png', Buffer.from('89504e470d0a1a0a0000000d49484452ffffffff', 'hex'), 'image/png'],
    ];
    for (const [name, bytes, claimed] of cases) {
      const res = await upload(t, teacher.token, classChat, name, bytes, claimed);
      assert.equal(res.statusCode, 415, `${name}: ${res.body}`);
      assert.ok(['unsupported_media_type', 'image_invalid'].includes(res.json().error.code), name);
    }
    assert.deepEqual(storedObjects(t), before);
    assert.equal((await t.runtime.ctx.db.selectFrom('files').select('id').execute()).length, count);
    assert.deepEqual(spooled(t), []);
  });

  test('HTML named as a picture is plain text, downloaded as an attachment; the name is never a path', async () => {
    const res = await upload(
      t,
      teacher.token,
      classChat,
      '../../../etc/evil<script>.jpg',
      Buffer.from('<html><script>alert(1)</script></html>\n'),
      'image/jpeg',
    );
    assert.equal(res.statusCode, 201, res.body);
    const file = res.json();
    assert.equal(file.kind, 'file');
    assert.equal(file.contentType, 'text/plain');
    assert.equal(file.name, 'evil<script>.jpg');
    const row = await t.runtime.ctx.db.selectFrom('files').select('storage_key').where('id', '=', file.id).executeTakeFirstOrThrow();
    assert.equal(row.storage_key, `files/${file.id}/original`);
    assert.ok(storedObjects(t).every((p) => !p.includes('evil')));
    await send(t, teacher, classChat, '', { attachments: [file.id] });
    const got = await t.request('GET', file.url, { token: student.token });
    assert.equal(got.headers['content-type'], 'text/plain; charset=utf-8');
    assert.match(String(got.headers['content-disposition']), /^attachment; filename="evil<script>\.jpg"; filename\*=UTF-8''evil%3Cscript%3E\.jpg$/);
    assert.equal(got.headers['x-content-type-options'], 'nosniff');
    assert.match(String(got.headers['content-security-policy']), /sandbox/);
  });

  test('text, CSV and office types pass; a member who may not post (a channel) cannot upload', async () => {
    const csv = await upload(t, teacher.token, classChat, 'оценки.csv', Buffer.from('Фамилия;Оценка\nИванов;5\n'));
    assert.equal(csv.json().contentType, 'text/csv');
    const refused = await upload(t, student.token, channel, 'x.txt', Buffer.from('hello\n'));
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.code, 'posting_not_allowed');
    const missing = await t.request('POST', `/api/v1/chats/${classChat}/files`, { token: teacher.token, body: { not: 'multipart' } });
    assert.equal(missing.statusCode, 415);
    assert.equal(missing.json().error.code, 'unsupported_media_type');
    const noMember = await upload(t, teacher.token, otherClassChat, 'x.txt', Buffer.from('hello\n'));
    assert.equal(noMember.statusCode, 404);
  });
});

describe('files on S3-compatible storage', () => {
  let s3: S3TestServer;
  let t: TestApp;
  before(async () => {
    s3 = await startS3TestServer();
    t = await createTestApp({ demo: true, overrides: { storage: s3.storage() } });
  });
  after(async () => {
    await t.close();
    await s3.close();
  });

  test('upload, thumbnail, attach and download go through the bucket', async () => {
    const teacher = await actor(t, DEMO_PHONES.classTeacher5A);
    const student = await actor(t, DEMO_PHONES.student5A);
    const chat = (await chatOf(t, teacher, 'class', '5А')).id;
    const jpeg = await jpegWithExif();
    const file = (await upload(t, teacher.token, chat, 'доска.jpg', jpeg)).json();
    assert.equal(file.kind, 'image');
    assert.deepEqual(storedObjects(t), [], 'nothing on the local disk');
    const big = crypto.randomBytes(2 * 1024 * 1024);
    const pdf = Buffer.concat([MINIMAL_PDF, big]);
    const doc = (await upload(t, teacher.token, chat, 'учебник.pdf', pdf)).json();
    await send(t, teacher, chat, 'Материалы', { attachments: [file.id, doc.id] });
    const got = await t.request('GET', doc.url, { token: student.token });
    assert.equal(got.statusCode, 200);
    assert.ok(got.rawPayload.equals(pdf));
    const thumb = await t.request('GET', file.thumbnailUrl, { token: student.token });
    assert.equal((await sharp(thumb.rawPayload).metadata()).format, 'webp');
    const original = (await t.runtime.ctx.storage.get(`files/${file.id}/original`))!;
    assert.equal(original.length, file.size);
    assert.equal((await sharp(original).metadata()).exif, undefined);
  });
});
