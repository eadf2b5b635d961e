/**
 * Whether the agent's line is this browser: the one place the web application decides it (today from
 * the dial string the service gives the agent's own endpoint; with line kinds, from `lineKind`).
 */
export function isBrowserLine(agent: { id: string; endpoint: string; lineKind?: string }): boolean {
  return agent.lineKind === 'webrtc' || agent.endpoint === `PJSIP/cc-webrtc-${agent.id}`;
}
