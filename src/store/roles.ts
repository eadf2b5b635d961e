/** Who may do what is decided per route by these roles; 'admin' may do everything. */
export const ROLES = ['admin', 'supervisor', 'team-leader', 'agent', 'qa'] as const;

export type Role = (typeof ROLES)[number];
