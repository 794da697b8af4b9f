// The row both catalog adapters store a policy as, and how it reads back.
import type { PolicyRecord } from './catalog.js';

/** A policy row; `json` is null once the policy is deleted. */
export interface PolicyRow {
  policy_id: string;
  revision: number;
  created: number;
  modified: number;
  json: string | null;
}

export function toPolicyRecord(row: PolicyRow): PolicyRecord {
  return {
    policyId: row.policy_id,
    revision: row.revision,
    created: row.created,
    modified: row.modified,
    json: row.json,
  };
}
