import type { MarketingSends, MessageRecord, OutboxStatus } from '#shared/domain/sending/records.js';
import type { MessageStore } from '#shared/ports/message-store.js';

/**
 * A MessageStore with the same conditional semantics as the DynamoDB one (claim only from `queued`,
 * transitions only from the listed states), for unit tests of the send use cases.
 */
export function inMemoryMessageStore(): MessageStore & { records: Map<string, MessageRecord> } {
  const records = new Map<string, MessageRecord>();
  const keys = new Map<string, string>();
  const wamids = new Map<string, string>();
  const marketing = new Map<string, MarketingSends>();
  const put = (record: MessageRecord) => {
    records.set(record.messageId, record);
    return record;
  };
  return {
    records,
    async findByIdempotencyKey(requestedBy, key) {
      const id = keys.get(`${requestedBy}\n${key}`);
      return id === undefined ? undefined : records.get(id);
    },
    async create(record, cap) {
      const scoped = `${record.requestedBy ?? ''}\n${record.idempotencyKey}`;
      if (keys.has(scoped)) return 'exists';
      if (cap !== undefined && record.contactId !== undefined) {
        const current = marketing.get(record.contactId);
        if ((current?.version ?? 0) !== (cap.previous?.version ?? 0)) return 'cap_conflict';
        marketing.set(record.contactId, { contactId: record.contactId, sends: [...cap.sends], version: (current?.version ?? 0) + 1 });
      }
      keys.set(scoped, record.messageId);
      put(record);
      return 'created';
    },
    async get(id) {
      return records.get(id);
    },
    async findByWamid(wamid) {
      const id = wamids.get(wamid);
      return id === undefined ? undefined : records.get(id);
    },
    async marketingSends(contactId) {
      return marketing.get(contactId);
    },
    async claim(id, now) {
      const record = records.get(id);
      if (record?.status !== 'queued') return { claimed: false, record };
      return { claimed: true, record: put({ ...record, status: 'sending', attempts: record.attempts + 1, sendingSince: now, updatedAt: now }) };
    },
    async accept(id, wamid, now) {
      const record = records.get(id);
      if (record === undefined || !['sending', 'uncertain'].includes(record.status)) return undefined;
      wamids.set(wamid, id);
      const { sendingSince: _s, deferral: _d, ...rest } = record;
      return put({ ...rest, status: 'accepted', wamid, updatedAt: now });
    },
    async release(id, lastError, now, refund = false) {
      const record = records.get(id);
      if (record?.status !== 'sending') return;
      const { sendingSince: _s, ...rest } = record;
      put({ ...rest, status: 'queued', updatedAt: now, attempts: record.attempts - (refund ? 1 : 0), ...(lastError !== undefined ? { lastError } : {}) });
    },
    async defer(id, deferral, now) {
      const record = records.get(id);
      if (record?.status !== 'sending') return;
      const { sendingSince: _s, ...rest } = record;
      put({ ...rest, status: 'queued', updatedAt: now, attempts: record.attempts - 1, deferral });
    },
    async eraseContact(contactId, at) {
      let erased = 0;
      for (const record of records.values()) {
        if (record.contactId !== contactId) continue;
        const { recipient: _r, request: _q, ...rest } = record;
        put({ ...rest, erasedAt: at });
        erased++;
      }
      return erased;
    },
    async transition(id, from: readonly OutboxStatus[], to, now, extra = {}) {
      const record = records.get(id);
      if (record === undefined || !from.includes(record.status)) return undefined;
      if (extra.wamid !== undefined) wamids.set(extra.wamid, id);
      return put({ ...record, ...extra, status: to, updatedAt: now });
    },
  };
}
