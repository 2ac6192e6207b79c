// The Memos v0.25 `Session` resource (removed from Memos in v0.26; the gateway keeps its shape).
import { rfc3339 } from '../http/timestamps.js';
import type { ClientInfo, Session } from '../sessions/session.js';

export interface SessionJson {
  name: string;
  sessionId: string;
  createTime: string;
  lastAccessedTime: string;
  clientInfo: ClientInfo;
}

export function toSessionJson(session: Session): SessionJson {
  const c = session.clientInfo;
  return {
    name: `users/${session.userId}/sessions/${session.id}`,
    sessionId: session.id,
    createTime: rfc3339(session.createdAt),
    lastAccessedTime: rfc3339(session.lastActiveAt),
    clientInfo: { userAgent: c.userAgent, ipAddress: c.ipAddress, deviceType: c.deviceType, os: c.os, browser: c.browser },
  };
}
