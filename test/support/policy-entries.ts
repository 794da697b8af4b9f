// Policy entries the API tests build their policies from: read and write, and an owner holding both
// on the thing and its policy.
export const RW = { grant: ['READ', 'WRITE'], revoke: [] };

/** The entry of `user` (a username) with READ and WRITE on `thing:/` and `policy:/`. */
export function ownerEntry(user: string) {
  return {
    subjects: { [`user:${user}`]: { type: 'user' } },
    resources: { 'thing:/': RW, 'policy:/': RW },
  };
}
