import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  DESKTOP,
  PHONE,
  PHONES,
  TestServer,
  newContext,
  repoRoot,
  screenshot,
  signIn,
  useServerAndBrowser,
  messageRow as on,
  openChatNamed as openChat,
  sendMessage as send,
  pageToken as token,
} from './harness.ts';

/**
 * People as others see them: the whole roster for the admin (never cut), photos beside messages and
 * in member lists, a message's images in a viewer, and guardians' phones for their class teacher only.
 */
const server = new TestServer();

const suite = useServerAndBrowser(server);

test('defect 3: a roster of 325 people is shown in full, page by page, and says which rows are shown', async () => {
  const page = await (await newContext(suite.browser)).newPage();
  await signIn(page, server, PHONES.admin);
  const auth = { authorization: `Bearer ${await token(page)}`, 'content-type': 'application/json' };
  const me = (await (await fetch(`${server.url}/api/v1/me`, { headers: auth })).json()) as { schools: { school: { id: string } }[] };
  const sid = me.schools[0]!.school.id;
  const count = async () => ((await (await fetch(`${server.url}/api/v1/schools/${sid}/people`, { headers: auth })).json()) as { total: number }).total;
  const have = await count();
  for (let i = have; i < 325; i++) {
    const last = i === 324 ? 'Яшина' : `Учащийся${String(i).padStart(3, '0')}`;
    const res = await fetch(`${server.url}/api/v1/schools/${sid}/people`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ lastName: last, firstName: 'Анна', roles: ['student'] }),
    });
    assert.equal(res.status, 201);
  }
  assert.equal(await count(), 325);

  for (const size of [DESKTOP, PHONE]) {
    await page.setViewportSize(size);
    await page.goto(`${server.url}/admin/people`);
    const status = page.locator('.pager [role="status"]');
    await status.filter({ hasText: 'Показаны 1–100 из 325' }).waitFor();
    let rows = await page.locator('table tbody tr').count();
    for (let p = 2; p <= 4; p++) {
      await page.getByRole('button', { name: 'Дальше' }).click();
      await page.getByText(`Страница ${p} из 4`).waitFor();
      rows += await page.locator('table tbody tr').count();
    }
    await status.filter({ hasText: 'Показаны 301–325 из 325' }).waitFor();
    assert.equal(rows, 325);
    await page.locator('table tbody th', { hasText: 'Яшина Анна' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Дальше' }).isDisabled(), true);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(wide <= 0, `no horizontal overflow at ${size.width} px (${wide})`);
  }
  await page.context().close();
});

test('defect 7: a parent’s photo is shown to the teacher beside the parent’s messages and in the member list', async () => {
  const parent = await (await newContext(suite.browser, PHONE)).newPage();
  await signIn(parent, server, PHONES.parent);
  await parent.goto(`${server.url}/settings`);
  await parent.locator('input[type="file"]').setInputFiles(path.join(repoRoot, 'apps/web/public/icons/icon-512.png'));
  await parent.getByRole('button', { name: 'Сохранить фото' }).click();
  await parent.locator('.profile-photo img.avatar').waitFor();
  await parent.goto(`${server.url}/chats`);
  await openChat(parent, '5А — родители');
  await send(parent, 'Здравствуйте, это мама Артёма');

  for (const size of [DESKTOP, PHONE]) {
    const teacher = await (await newContext(suite.browser, size)).newPage();
    await signIn(teacher, server, PHONES.teacher);
    await openChat(teacher, '5А — родители');
    const avatar = on(teacher, 'это мама Артёма').locator('img.avatar');
    await avatar.waitFor();
    assert.ok(await avatar.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0));
    // Whose parent she is, beside her message and in the member list.
    await on(teacher, 'это мама Артёма')
      .locator('.whose', { hasText: /^\((мама|папа) \S+\)$/ })
      .waitFor();
    await teacher
      .locator('.chat-head')
      .getByRole('button', { name: /участник/ })
      .click();
    const panel = teacher.locator('aside.members');
    await panel
      .locator('li.member', { hasText: 'Волкова Ирина Олеговна' })
      .locator('.whose', { hasText: /мама \S+/ })
      .waitFor();
    await panel
      .locator('li.member', { has: teacher.locator('img.avatar') })
      .first()
      .waitFor();
    await screenshot(teacher, `member-photos-${size.width}`);
    await teacher.context().close();
  }
  await parent.context().close();
});

test('defect 9: the class teacher sees her class’s guardians’ phones in the member list; a parent sees none', async () => {
  for (const size of [DESKTOP, PHONE]) {
    const teacher = await (await newContext(suite.browser, size)).newPage();
    await signIn(teacher, server, PHONES.teacher);
    await openChat(teacher, '5А — родители');
    await teacher
      .locator('.chat-head')
      .getByRole('button', { name: /участник/ })
      .click();
    await teacher.locator(`aside.members a[href="tel:${PHONES.parent}"]`).waitFor();
    await teacher.context().close();
  }
  const parent = await (await newContext(suite.browser, PHONE)).newPage();
  await signIn(parent, server, PHONES.parent);
  await openChat(parent, '5А — родители');
  await parent
    .locator('.chat-head')
    .getByRole('button', { name: /участник/ })
    .click();
  await parent.locator('aside.members li.member').first().waitFor();
  assert.equal(await parent.locator('aside.members a[href^="tel:"]').count(), 0);
  // Nor through the API.
  const chatId = new URL(parent.url()).pathname.split('/').pop()!;
  const members = (await (
    await fetch(`${server.url}/api/v1/chats/${chatId}/members`, { headers: { authorization: `Bearer ${await token(parent)}` } })
  ).json()) as { members: { phone?: string | null }[] };
  assert.ok(members.members.length > 1);
  assert.ok(members.members.every((m) => !m.phone));
  await parent.context().close();
});

test('defect 8: a message’s images open in a viewer (no download), zoom, and go to the next one by button and by swipe', async () => {
  const teacher = await (await newContext(suite.browser)).newPage();
  await signIn(teacher, server, PHONES.teacher);
  await openChat(teacher, '5А — родители');
  await teacher
    .locator('[data-testid="file-input"]')
    .setInputFiles([path.join(repoRoot, 'apps/web/public/icons/icon-512.png'), path.join(repoRoot, 'apps/web/public/icons/maskable-512.png')]);
  await teacher.locator('.upload[data-uploaded="yes"]').nth(1).waitFor();
  await send(teacher, 'Две фотографии доски');

  for (const size of [DESKTOP, PHONE]) {
    const parent = await (await newContext(suite.browser, size)).newPage();
    await signIn(parent, server, PHONES.parent);
    await openChat(parent, '5А — родители');
    let downloads = 0;
    parent.on('download', () => downloads++);
    await on(parent, 'Две фотографии доски').getByRole('button', { name: 'Открыть изображение icon-512.png' }).click();
    const current = parent.locator('.yarl__slide_current img');
    await current.and(parent.locator('[alt="icon-512.png"]')).waitFor();
    await parent.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('.yarl__slide_current img');
      return !!img && img.complete && img.naturalWidth === 512;
    });
    // Zoom in, then back out.
    await parent.getByRole('button', { name: 'Увеличить' }).click();
    await parent.getByRole('button', { name: 'Уменьшить' }).and(parent.locator(':not([disabled])')).waitFor();
    await parent.getByRole('button', { name: 'Уменьшить' }).click();
    // The next image by the button, then back by a swipe (a drag to the right).
    await parent.getByRole('button', { name: 'Следующее изображение' }).click();
    await current.and(parent.locator('[alt="maskable-512.png"]')).waitFor();
    const box = (await parent.locator('.yarl__container').boundingBox())!;
    const y = box.y + box.height / 2;
    await parent.mouse.move(box.x + box.width * 0.3, y);
    await parent.mouse.down();
    for (let i = 1; i <= 10; i++) await parent.mouse.move(box.x + box.width * (0.3 + i * 0.05), y);
    await parent.mouse.up();
    await current.and(parent.locator('[alt="icon-512.png"]')).waitFor();
    await screenshot(parent, `image-viewer-${size.width}`);
    await parent.keyboard.press('Escape');
    await parent.locator('.yarl__container').waitFor({ state: 'detached' });
    assert.equal(downloads, 0);
    await parent.context().close();
  }
  await teacher.context().close();
});
