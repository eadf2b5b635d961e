import { session } from '../session/session.js';

/** The roles of GET /v1/faxes (src/api/route-access.ts): admin and the center's phone workers, not QA. */
export const readsFaxes = (): boolean => {
  const role = session.identity?.role;
  return role !== undefined && role !== 'qa';
};
