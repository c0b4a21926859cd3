import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';

/** The closed space: who gets in, how, and who is refused. */
describe('closed space', () => {
  let t: TestApp;
  let admin: string;
  let schoolId: string;
  let class5A: string;

  const people = async (query = '') => (await t.request('GET', `/api/v1/schools/${schoolId}/people${query}`, { token: admin })).json().people;

  before(async () => {
    t = await createTestApp({ demo: true });
    admin = (await t.signIn(DEMO_PHONES.admin)).token;
    const me = (await t.request('GET', '/api/v1/me', { token: admin })).json();
    schoolId = me.schools[0].school.id;
    const classes = (await t.request('GET', `/api/v1/schools/${schoolId}/classes`, { token: admin })).json().classes;
    class5A = classes.find((c: { name: string }) => c.name === '5А').id;
  });
  after(() => t.close());

  test('a roster phone is linked at sign-in, with its roles and classes', async () => {
    const { token } = await t.signIn(DEMO_PHONES.guardian5A);
    const me = (await t.request('GET', '/api/v1/me', { token })).json();
    assert.equal(me.schools.length, 1);
    assert.deepEqual(me.schools[0].roles, ['guardian']);
    assert.equal(me.schools[0].children.length, 1);
    assert.deepEqual(
      me.schools[0].classes.map((c: { name: string; as: string }) => [c.name, c.as]),
      [['5А', 'guardian']],
    );

    const teacher = (await t.request('GET', '/api/v1/me', { token: (await t.signIn(DEMO_PHONES.classTeacher5A)).token })).json();
    assert.deepEqual(
      teacher.schools[0].classes.map((c: { name: string; as: string }) => [c.name, c.as]),
      [['5А', 'class_teacher']],
    );

    const student = (await t.request('GET', '/api/v1/me', { token: (await t.signIn(DEMO_PHONES.student5A)).token })).json();
    assert.deepEqual(student.schools[0].roles, ['student']);
    assert.equal(student.user.birthDate.slice(0, 4), '2015');
  });

  test('an unlinked account sees only its own profile', async () => {
    const { token } = await t.signIn('+79161234567');
    const me = (await t.request('GET', '/api/v1/me', { token })).json();
    assert.equal(me.schools.length, 0);
    for (const url of [`/api/v1/schools/${schoolId}`, `/api/v1/schools/${schoolId}/classes`, `/api/v1/schools/${schoolId}/people`]) {
      const res = await t.request('GET', url, { token });
      assert.equal(res.statusCode, 404, url);
      assert.equal(res.json().error.code, 'school_not_found');
    }
    const photo = await t.request('GET', `/api/v1/photos/00000000-0000-4000-8000-000000000000/128`, { token });
    assert.equal(photo.statusCode, 404);
  });

  test('an invitation links a person without a phone on the roster; it is single-use', async () => {
    const created = await t.request('POST', `/api/v1/schools/${schoolId}/people`, {
      token: admin,
      body: { lastName: 'Гостева', firstName: 'Ирина', roles: ['guardian'], childIds: [] },
    });
    assert.equal(created.statusCode, 201);
    const personId = created.json().id;
    const inv = await t.request('POST', `/api/v1/schools/${schoolId}/invitations`, { token: admin, body: { personId } });
    assert.equal(inv.statusCode, 201);
    const { code, link } = inv.json();
    assert.match(code, /^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    assert.ok(link.includes(encodeURIComponent(code)));

    const newcomer = await t.signIn('+79161112233');
    const redeemed = await t.request('POST', '/api/v1/invitations/redeem', { token: newcomer.token, body: { code: code.toLowerCase().replaceAll('-', ' ') } });
    assert.equal(redeemed.statusCode, 200, redeemed.body);
    const me = (await t.request('GET', '/api/v1/me', { token: newcomer.token })).json();
    assert.equal(me.schools[0].personId, personId);
    assert.equal(me.user.lastName, 'Гостева');

    const other = await t.signIn('+79161112234');
    const reused = await t.request('POST', '/api/v1/invitations/redeem', { token: other.token, body: { code } });
    assert.equal(reused.statusCode, 409);
    assert.equal(reused.json().error.code, 'invitation_used');

    const linkedAgain = await t.request('POST', `/api/v1/schools/${schoolId}/invitations`, { token: admin, body: { personId } });
    assert.equal(linkedAgain.statusCode, 409);
    assert.equal(linkedAgain.json().error.code, 'person_already_linked');
  });

  test('expired, revoked and unknown invitations are refused', async () => {
    const p = (
      await t.request('POST', `/api/v1/schools/${schoolId}/people`, { token: admin, body: { lastName: 'Тест', firstName: 'Срок', roles: ['teacher'] } })
    ).json();
    const user = await t.signIn('+79161112240');
    const a = (await t.request('POST', `/api/v1/schools/${schoolId}/invitations`, { token: admin, body: { personId: p.id } })).json();
    await t.runtime.ctx.db
      .updateTable('invitations')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', a.id)
      .execute();
    const expired = await t.request('POST', '/api/v1/invitations/redeem', { token: user.token, body: { code: a.code } });
    assert.equal(expired.statusCode, 410);
    assert.equal(expired.json().error.code, 'invitation_expired');

    const b = (await t.request('POST', `/api/v1/schools/${schoolId}/invitations`, { token: admin, body: { personId: p.id } })).json();
    assert.equal((await t.request('DELETE', `/api/v1/schools/${schoolId}/invitations/${b.id}`, { token: admin })).statusCode, 204);
    const revoked = await t.request('POST', '/api/v1/invitations/redeem', { token: user.token, body: { code: b.code } });
    assert.equal(revoked.json().error.code, 'invitation_revoked');

    const unknown = await t.request('POST', '/api/v1/invitations/redeem', { token: user.token, body: { code: 'AAAA-BBBB-CCCC' } });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error.code, 'invitation_invalid');
    const me = (await t.request('GET', '/api/v1/me', { token: user.token })).json();
    assert.equal(me.schools.length, 0);
  });

  test('a class teacher may invite people of their class only; a guardian may not invite', async () => {
    const teacher = (await t.signIn(DEMO_PHONES.classTeacher5A)).token;
    const students5A = await people(`?classId=${class5A}&role=student`);
    const unlinked = students5A.find((s: { linked: boolean; phone: string | null }) => !s.linked);
    const ok = await t.request('POST', `/api/v1/schools/${schoolId}/invitations`, { token: teacher, body: { personId: unlinked.id } });
    assert.equal(ok.statusCode, 201, ok.body);
    const classes = (await t.request('GET', `/api/v1/schools/${schoolId}/classes`, { token: admin })).json().classes;
    const class6B = classes.find((c: { name: string }) => c.name === '6Б').id;
    const other = (await people(`?classId=${class6B}&role=student`))[1];
    const refused = await t.request('POST', `/api/v1/schools/${schoolId}/invitations`, { token: teacher, body: { personId: other.id } });
    assert.equal(refused.statusCode, 403);
    const guardian = (await t.signIn(DEMO_PHONES.guardian5A)).token;
    const byGuardian = await t.request('POST', `/api/v1/schools/${schoolId}/invitations`, { token: guardian, body: { personId: unlinked.id } });
    assert.equal(byGuardian.statusCode, 403);
  });

  test("a student's account may not be on a guardian's or any adult's phone", async () => {
    // On the roster: a student cannot be given an adult's phone.
    const [student] = await people(`?classId=${class5A}&role=student`);
    const refused = await t.request('PATCH', `/api/v1/schools/${schoolId}/people/${student.id}`, { token: admin, body: { phone: DEMO_PHONES.guardian5A } });
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.json().error.code, 'student_phone_is_adults');
    const newStudent = await t.request('POST', `/api/v1/schools/${schoolId}/people`, {
      token: admin,
      body: { lastName: 'Новый', firstName: 'Ученик', roles: ['student'], birthDate: '2015-05-05', phone: DEMO_PHONES.classTeacher5A, classId: class5A },
    });
    assert.equal(newStudent.statusCode, 409);
    assert.equal(newStudent.json().error.code, 'student_phone_is_adults');

    // By invitation: a guardian's account cannot take a student's place.
    const kid = (
      await t.request('POST', `/api/v1/schools/${schoolId}/people`, {
        token: admin,
        body: { lastName: 'Без', firstName: 'Телефона', roles: ['student'], birthDate: '2014-02-02', classId: class5A },
      })
    ).json();
    const inv = (await t.request('POST', `/api/v1/schools/${schoolId}/invitations`, { token: admin, body: { personId: kid.id } })).json();
    const guardian = await t.signIn(DEMO_PHONES.guardian6B);
    const res = await t.request('POST', '/api/v1/invitations/redeem', { token: guardian.token, body: { code: inv.code } });
    assert.equal(res.statusCode, 403);
    assert.equal(res.json().error.code, 'student_phone_is_adults');
    // Nothing changed: the invitation is still usable by the right person.
    const child = await t.signIn('+79161119999');
    assert.equal((await t.request('POST', '/api/v1/invitations/redeem', { token: child.token, body: { code: inv.code } })).statusCode, 200);
  });

  test('students younger than 6 are not registered', async () => {
    const year = new Date().getUTCFullYear() - 5;
    const young = await t.request('POST', `/api/v1/schools/${schoolId}/people`, {
      token: admin,
      body: { lastName: 'Малыш', firstName: 'Петя', roles: ['student'], birthDate: `${year}-01-01` },
    });
    assert.equal(young.statusCode, 400);
    assert.equal(young.json().error.code, 'student_too_young');
    // A roster person without a birth date that is later found too young cannot be linked.
    const p = (
      await t.request('POST', `/api/v1/schools/${schoolId}/people`, {
        token: admin,
        body: { lastName: 'Малыш', firstName: 'Вася', roles: ['student'], phone: '+79161118888' },
      })
    ).json();
    await t.runtime.ctx.db
      .updateTable('persons')
      .set({ birth_date: `${year}-06-01` })
      .where('id', '=', p.id)
      .execute();
    const kid = await t.signIn('+79161118888');
    assert.equal((await t.request('GET', '/api/v1/me', { token: kid.token })).json().schools.length, 0);
    const inv = await t.request('POST', `/api/v1/schools/${schoolId}/invitations`, { token: admin, body: { personId: p.id } });
    assert.equal(inv.statusCode, 403);
    assert.equal(inv.json().error.code, 'student_too_young');
  });

  test('join requests: filed by an unlinked account, approved by the admin onto a roster person', async () => {
    const applicant = await t.signIn('+79161117777');
    const schools = (await t.request('GET', '/api/v1/schools', { token: applicant.token })).json().schools;
    assert.ok(schools.some((s: { id: string }) => s.id === schoolId));
    const body = { schoolId, lastName: 'Заявкина', firstName: 'Анна', role: 'guardian', comment: 'мама Пети, 5А' };
    const jr = await t.request('POST', '/api/v1/join-requests', { token: applicant.token, body });
    assert.equal(jr.statusCode, 201);
    const dup = await t.request('POST', '/api/v1/join-requests', { token: applicant.token, body });
    assert.equal(dup.json().error.code, 'join_request_pending');

    const teacher = (await t.signIn(DEMO_PHONES.classTeacher5A)).token;
    assert.equal((await t.request('GET', `/api/v1/schools/${schoolId}/join-requests`, { token: teacher })).statusCode, 403);
    const pending = (await t.request('GET', `/api/v1/schools/${schoolId}/join-requests?status=pending`, { token: admin })).json().joinRequests;
    const mine = pending.find((j: { id: string }) => j.id === jr.json().id);
    assert.equal(mine.phone, '+79161117777');

    const person = (
      await t.request('POST', `/api/v1/schools/${schoolId}/people`, { token: admin, body: { lastName: 'Заявкина', firstName: 'Анна', roles: ['guardian'] } })
    ).json();
    const approved = await t.request('POST', `/api/v1/schools/${schoolId}/join-requests/${mine.id}/approve`, { token: admin, body: { personId: person.id } });
    assert.equal(approved.statusCode, 200, approved.body);
    assert.equal(approved.json().status, 'approved');
    const me = (await t.request('GET', '/api/v1/me', { token: applicant.token })).json();
    assert.equal(me.schools[0].personId, person.id);
    const again = await t.request('POST', `/api/v1/schools/${schoolId}/join-requests/${mine.id}/reject`, { token: admin });
    assert.equal(again.json().error.code, 'join_request_decided');
  });

  test('a rejected join request links nothing', async () => {
    const applicant = await t.signIn('+79161116666');
    const jr = (
      await t.request('POST', '/api/v1/join-requests', { token: applicant.token, body: { schoolId, lastName: 'Чужой', firstName: 'Человек', role: 'teacher' } })
    ).json();
    const res = await t.request('POST', `/api/v1/schools/${schoolId}/join-requests/${jr.id}/reject`, { token: admin });
    assert.equal(res.json().status, 'rejected');
    assert.equal((await t.request('GET', '/api/v1/me', { token: applicant.token })).json().schools.length, 0);
    const mine = (await t.request('GET', '/api/v1/join-requests', { token: applicant.token })).json().joinRequests;
    assert.equal(mine[0].status, 'rejected');
  });

  test('one account is one person per school; one person one account', async () => {
    const p = (
      await t.request('POST', `/api/v1/schools/${schoolId}/people`, { token: admin, body: { lastName: 'Второй', firstName: 'Профиль', roles: ['guardian'] } })
    ).json();
    const inv = (await t.request('POST', `/api/v1/schools/${schoolId}/invitations`, { token: admin, body: { personId: p.id } })).json();
    const guardian = await t.signIn(DEMO_PHONES.guardian5A);
    const res = await t.request('POST', '/api/v1/invitations/redeem', { token: guardian.token, body: { code: inv.code } });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().error.code, 'account_already_in_school');
  });
});
