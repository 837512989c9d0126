// Read-only views into a /sync response. Pure functions, so that the matchers built on them can be
// unit-tested on recorded responses.

export interface ReceiptEntry {
  /** Index of the m.receipt event within the room's ephemeral events. */
  eventIndex: number;
  eventId: string;
  type: string;
  userId: string;
  data: Record<string, unknown>;
}

type Section = 'join' | 'leave' | 'invite' | 'knock';

export function roomSection(sync: any, roomId: string): { section: Section; room: any } | null {
  for (const section of ['join', 'leave', 'invite', 'knock'] as const) {
    const room = sync?.rooms?.[section]?.[roomId];
    if (room) return { section, room };
  }
  return null;
}

/** Ephemeral events of the room, wherever the server put the room. */
export function ephemeralEvents(sync: any, roomId: string): any[] {
  const found = roomSection(sync, roomId);
  const events = found?.room?.ephemeral?.events;
  return Array.isArray(events) ? events : [];
}

export function receiptEvents(sync: any, roomId: string): any[] {
  return ephemeralEvents(sync, roomId).filter((e) => e?.type === 'm.receipt');
}

export function receiptEntries(events: any[]): ReceiptEntry[] {
  const out: ReceiptEntry[] = [];
  events.forEach((ev, eventIndex) => {
    const content = ev?.content;
    if (!content || typeof content !== 'object') return;
    for (const [eventId, byType] of Object.entries(content)) {
      if (!byType || typeof byType !== 'object') continue;
      for (const [type, byUser] of Object.entries(byType as object)) {
        if (!byUser || typeof byUser !== 'object') continue;
        for (const [userId, data] of Object.entries(byUser as object)) {
          out.push({ eventIndex, eventId, type, userId, data: data && typeof data === 'object' ? (data as Record<string, unknown>) : { value: data } });
        }
      }
    }
  });
  return out;
}

export function timelineEventIds(sync: any, roomId: string): string[] {
  const events = roomSection(sync, roomId)?.room?.timeline?.events;
  return Array.isArray(events) ? events.map((e: any) => e?.event_id).filter((x: unknown) => typeof x === 'string') : [];
}

export function roomAccountData(sync: any, roomId: string): any[] {
  const events = roomSection(sync, roomId)?.room?.account_data?.events;
  return Array.isArray(events) ? events : [];
}

export interface Counts {
  notification_count?: number;
  highlight_count?: number;
}

export function unreadCounts(sync: any, roomId: string): { main: Counts; threads: Record<string, Counts> | undefined } | null {
  const room = sync?.rooms?.join?.[roomId];
  if (!room || !room.unread_notifications) return null;
  return { main: room.unread_notifications, threads: room.unread_thread_notifications };
}

/** Every room ID that appears anywhere in rooms.*. */
export function roomsIn(sync: any): string[] {
  const ids = new Set<string>();
  for (const section of ['join', 'leave', 'invite', 'knock']) for (const id of Object.keys(sync?.rooms?.[section] ?? {})) ids.add(id);
  return [...ids];
}
