/** Pages a person is sent to on the way in: never the place to come back to. */
const WAYPOINTS = new Set(['/sign-in', '/change-password']);

/**
 * Where to go after signing in (or the forced password change): the `next` the router kept, if it is a
 * path of this app ('//host' or '/\host' would be another site), else home.
 */
export function returnPath(next: unknown): string {
  if (typeof next !== 'string' || !/^\/(?![/\\])/.test(next)) return '/';
  const path = next.split(/[?#]/, 1)[0] ?? '';
  return WAYPOINTS.has(path) ? '/' : next;
}
