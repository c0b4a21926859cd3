import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../testing/harness.ts';
import { DEMO_PHONES } from '../demo/seed.ts';

interface P {
  id: string;
  roles: string[];
  phone: string | null;
  classIds: string[];
  childIds: string[];
}

/** Phones in the roster: the admin sees all; a class teacher, her class's guardians; nobody else, any. */
describe('directory: who sees guardians’ phones', () => {
  let t: TestApp;
  let schoolId: string;
  let admin: string;
  let all: P[];
  let classes: { id: string; name: string }[];
  const people = (token: string, query = '') => t.request('GET', `/api/v1/schools/${schoolId}/people${query}`, { token });
  const classOf = (name: string) => classes.find((c) => c.name === name)!.id;
  /** Guardians whose child is in the class. */
  const guardiansOf = (classId: string) =>
    new Set(
      all.filter((p) => p.roles.includes('guardian') && p.childIds.some((c) => all.find((x) => x.id === c)?.classIds.includes(classId))).map((p) => p.id),
    );
  const withPhone = (list: P[]) => new Set(list.filter((p) => p.phone !== null).map((p) => p.id));

  before(async () => {
    t = await createTestApp({ demo: true });
    admin = (await t.signIn(DEMO_PHONES.admin)).token;
    schoolId = (await t.request('GET', '/api/v1/me', { token: admin })).json().schools[0].school.id;
    all = (await people(admin)).json().people;
    classes = (await t.request('GET', `/api/v1/schools/${schoolId}/classes`, { token: admin })).json().classes;
  });
  after(() => t.close());

  test('the admin sees every phone on the roster', () => {
    assert.ok(all.filter((p) => p.roles.includes('guardian')).every((p) => p.phone !== null));
  });

  test('a class teacher sees the phones of her own class’s guardians, and no one else’s', async () => {
    const teacher = (await t.signIn(DEMO_PHONES.classTeacher5A)).token;
    const mine = guardiansOf(classOf('5А'));
    assert.ok(mine.size >= 25);
    const list: P[] = (await people(teacher)).json().people;
    assert.deepEqual(withPhone(list), mine);
    // Filtered to her class: the same guardians, no student's or teacher's phone.
    const inClass: P[] = (await people(teacher, `?classId=${classOf('5А')}`)).json().people;
    assert.deepEqual(withPhone(inClass), mine);
    // Another class's guardians stay without phones, filtered or one by one.
    const other: P[] = (await people(teacher, `?classId=${classOf('6Б')}`)).json().people;
    assert.equal(withPhone(other).size, 0);
    const stranger = [...guardiansOf(classOf('6Б'))].find((id) => !mine.has(id))!;
    const one = await t.request('GET', `/api/v1/schools/${schoolId}/people/${stranger}`, { token: teacher });
    assert.equal(one.statusCode, 200);
    assert.equal(one.json().phone, null);
    const own = await t.request('GET', `/api/v1/schools/${schoolId}/people/${[...mine][0]}`, { token: teacher });
    assert.match(own.json().phone, /^\+7/);
  });

  test('a subject teacher of the class sees no phones', async () => {
    const math = (await t.signIn(DEMO_PHONES.subjectTeacher)).token;
    const list: P[] = (await people(math, `?classId=${classOf('5А')}`)).json().people;
    assert.ok(list.length > 0);
    assert.equal(withPhone(list).size, 0);
  });

  test('guardians and students are refused the roster; outsiders get 404', async () => {
    for (const phone of [DEMO_PHONES.guardian5A, DEMO_PHONES.student5A]) {
      const token = (await t.signIn(phone)).token;
      const res = await people(token);
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error.code, 'forbidden');
      assert.equal((await t.request('GET', `/api/v1/schools/${schoolId}/people/${all[0]!.id}`, { token })).statusCode, 403);
    }
    const outsider = (await t.signIn('+79165557777')).token;
    assert.equal((await people(outsider)).statusCode, 404);
  });
});
