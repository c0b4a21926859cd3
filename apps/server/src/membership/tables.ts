import type { Generated } from 'kysely';
import type { NullableTimestamp, Timestamp } from '../identity/tables.ts';

export interface InvitationsTable {
  id: Generated<string>;
  school_id: string;
  person_id: string;
  code_hash: string;
  created_by: string | null;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  used_by: string | null;
  revoked_at: NullableTimestamp;
  created_at: Generated<Date>;
}

export interface JoinRequestsTable {
  id: Generated<string>;
  school_id: string;
  user_id: string;
  last_name: string;
  first_name: string;
  middle_name: string | null;
  role: string;
  comment: string | null;
  status: Generated<'pending' | 'approved' | 'rejected' | 'cancelled'>;
  person_id: string | null;
  decided_by: string | null;
  decided_at: NullableTimestamp;
  created_at: Generated<Date>;
}

export interface MembershipTables {
  invitations: InvitationsTable;
  join_requests: JoinRequestsTable;
}
