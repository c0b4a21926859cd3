import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Attendance } from '@parta/protocol';
import { attendanceCsv } from './attendance.ts';

const a: Attendance = {
  meetingId: '00000000-0000-4000-8000-000000000001',
  attended: [
    {
      personId: '00000000-0000-4000-8000-000000000002',
      name: 'Смирнова Елена Петровна',
      roles: ['teacher'],
      firstJoinedAt: '2026-12-01T15:00:00.000Z',
      lastLeftAt: '2026-12-01T15:44:31.000Z',
      seconds: 2671,
      sessions: 1,
      removed: false,
    },
    // A name that a spreadsheet would run as a formula, and one with a quote and a comma.
    {
      personId: '00000000-0000-4000-8000-000000000003',
      name: '=HYPERLINK("x")',
      roles: ['guardian'],
      firstJoinedAt: '2026-12-01T15:02:00.000Z',
      lastLeftAt: null,
      seconds: 600,
      sessions: 2,
      removed: false,
    },
    // Removed by the host: not «был».
    {
      personId: '00000000-0000-4000-8000-000000000005',
      name: 'Петров Олег',
      roles: ['guardian'],
      firstJoinedAt: '2026-12-01T15:03:00.000Z',
      lastLeftAt: '2026-12-01T15:05:00.000Z',
      seconds: 120,
      sessions: 1,
      removed: true,
    },
  ],
  absentFamilies: [{ studentId: '00000000-0000-4000-8000-000000000004', studentName: 'Иванов, Пётр', guardians: ['Иванова Ольга', 'Иванов Сергей'] }],
  absentMembers: [],
};

test('attendance CSV: BOM, CRLF, `;` between fields (Russian Excel), labels and roles in Russian, times in the school zone', () => {
  const csv = attendanceCsv(a, { locale: 'ru', timeZone: 'Europe/Moscow' });
  assert.ok(csv.startsWith('\uFEFF'));
  const lines = csv.slice(1).split('\r\n');
  assert.equal(lines.at(-1), '', 'ends with a line break');
  assert.deepEqual(lines.slice(0, -1), [
    'ФИО;роль;вошёл;вышел;минут;подключений;статус',
    'Смирнова Елена Петровна;учитель;2026-12-01 18:00;2026-12-01 18:44;45;1;был',
    `"'=HYPERLINK(""x"")";родитель;2026-12-01 18:02;;10;2;был`,
    'Петров Олег;родитель;2026-12-01 18:03;2026-12-01 18:05;2;1;удалён ведущим',
    '"Иванов, Пётр (Иванова Ольга; Иванов Сергей)";семья;;;0;0;семья не была',
  ]);
});

test('attendance CSV in English', () => {
  const lines = attendanceCsv(a, { locale: 'en', timeZone: 'Asia/Yekaterinburg' }).slice(1).split('\r\n');
  assert.equal(lines[0], 'name,role,joined,left,minutes,sessions,status');
  assert.equal(lines[1], 'Смирнова Елена Петровна,teacher,2026-12-01 20:00,2026-12-01 20:44,45,1,attended');
  assert.match(lines[3]!, /,1,removed by the host$/);
  assert.match(lines[4]!, /,family,,,0,0,family absent$/);
});
