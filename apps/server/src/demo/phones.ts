/** The demo school's phones that sign in (the rest of its roster has generated ones: seed.ts). */
export const DEMO_PHONES = {
  admin: '+79000000001',
  classTeacher5A: '+79000000002',
  guardian5A: '+79000000003',
  student5A: '+79000000004',
  guardian6B: '+79000000005',
  classTeacher6B: '+79000000006',
  subjectTeacher: '+79000000007',
} as const;
