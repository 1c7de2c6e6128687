import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MESSAGE_STATUSES, advanceStatus, outcomeEventFor, type MessageStatus } from '#shared/domain/sending/message-status.js';

const PROGRESS: readonly MessageStatus[] = ['queued', 'sending', 'uncertain', 'accepted', 'sent', 'delivered', 'read', 'played'];

function apply(statuses: readonly MessageStatus[], start?: MessageStatus): MessageStatus | undefined {
  let current = start;
  for (const incoming of statuses) current = advanceStatus(current, incoming).next;
  return current;
}

function transition(previous: MessageStatus | undefined, incoming: MessageStatus) {
  return { previous, ...advanceStatus(previous, incoming) };
}

describe('advanceStatus', () => {
  it('takes the first status of a message as it comes', () => {
    for (const status of MESSAGE_STATUSES) expect(advanceStatus(undefined, status)).toEqual({ next: status, changed: true });
  });

  it('moves forward along queued < sending < uncertain < accepted < sent < delivered < read < played', () => {
    for (let i = 0; i < PROGRESS.length; i++) {
      for (let j = 0; j < PROGRESS.length; j++) {
        const result = advanceStatus(PROGRESS[i], PROGRESS[j]!);
        if (j > i) expect(result).toEqual({ next: PROGRESS[j], changed: true });
        else expect(result).toEqual({ next: PROGRESS[i], changed: false });
      }
    }
  });

  it('ignores a repeated status (a redelivered webhook)', () => {
    expect(advanceStatus('delivered', 'delivered')).toEqual({ next: 'delivered', changed: false });
  });

  it('ignores a delivered arriving after read', () => {
    expect(advanceStatus('read', 'delivered')).toEqual({ next: 'read', changed: false });
  });

  it('takes read without a delivered before it', () => {
    expect(advanceStatus('sent', 'read')).toEqual({ next: 'read', changed: true });
  });

  it.each<MessageStatus>(['accepted', 'sent', 'delivered', 'read', 'failed'])('resolves uncertain with %s', (incoming) => {
    expect(advanceStatus('uncertain', incoming)).toEqual({ next: incoming, changed: true });
  });

  it('does not turn an accepted message back into uncertain', () => {
    expect(advanceStatus('accepted', 'uncertain')).toEqual({ next: 'accepted', changed: false });
  });

  it.each<MessageStatus>(['queued', 'sending', 'uncertain', 'accepted', 'sent', 'delivered'])('fails a message that was %s', (current) => {
    expect(advanceStatus(current, 'failed')).toEqual({ next: 'failed', changed: true });
  });

  it.each<MessageStatus>(['read', 'played'])('keeps %s when failed arrives after it (the failure concerns another device)', (current) => {
    expect(advanceStatus(current, 'failed')).toEqual({ next: current, changed: false });
  });

  it.each<MessageStatus>(['queued', 'sending', 'uncertain', 'accepted', 'sent', 'delivered'])('keeps failed when %s arrives after it', (incoming) => {
    expect(advanceStatus('failed', incoming)).toEqual({ next: 'failed', changed: false });
  });

  it.each<MessageStatus>(['read', 'played'])('lets %s replace failed: the message was seen', (incoming) => {
    expect(advanceStatus('failed', incoming)).toEqual({ next: incoming, changed: true });
  });

  it('rejects only a message not yet past queued', () => {
    expect(advanceStatus(undefined, 'rejected')).toEqual({ next: 'rejected', changed: true });
    expect(advanceStatus('queued', 'rejected')).toEqual({ next: 'rejected', changed: true });
    for (const current of MESSAGE_STATUSES.filter((s) => s !== 'queued' && s !== 'rejected')) {
      expect(advanceStatus(current, 'rejected')).toEqual({ next: current, changed: false });
    }
  });

  it('changes nothing once rejected', () => {
    for (const incoming of MESSAGE_STATUSES) expect(advanceStatus('rejected', incoming)).toEqual({ next: 'rejected', changed: false });
  });

  const meta = fc.constantFrom<MessageStatus>(...PROGRESS);
  const rank = (s: MessageStatus) => PROGRESS.indexOf(s);

  it('ends, without failed, at the highest status whatever the arrival order (property)', () => {
    fc.assert(
      fc.property(fc.array(meta, { minLength: 1, maxLength: 12 }), (statuses) => {
        const sorted = [...statuses].sort((a, b) => rank(a) - rank(b));
        const expected = sorted[sorted.length - 1];
        return apply(statuses) === expected && apply(sorted) === expected;
      }),
    );
  });

  it('never moves backwards along the progress order (property)', () => {
    fc.assert(
      fc.property(fc.option(meta, { nil: undefined }), fc.array(meta, { maxLength: 12 }), (start, statuses) => {
        let current = start;
        for (const incoming of statuses) {
          const { next } = advanceStatus(current, incoming);
          if (current !== undefined && rank(next) < rank(current)) return false;
          current = next;
        }
        return true;
      }),
    );
  });

  it('ends in the same status for every arrival order, failed included (property)', () => {
    const any = fc.constantFrom<MessageStatus>(...PROGRESS, 'failed');
    fc.assert(
      fc.property(fc.array(any, { minLength: 1, maxLength: 10 }).chain((statuses) => fc.tuple(fc.constant(statuses), fc.shuffledSubarray(statuses, { minLength: statuses.length, maxLength: statuses.length }))), ([statuses, shuffled]) => {
        return apply(statuses) === apply(shuffled);
      }),
    );
  });

  it('reports a change exactly when the status differs (property)', () => {
    fc.assert(
      fc.property(fc.option(fc.constantFrom(...MESSAGE_STATUSES), { nil: undefined }), fc.constantFrom(...MESSAGE_STATUSES), (current, incoming) => {
        const { next, changed } = advanceStatus(current, incoming);
        return changed === (next !== current);
      }),
    );
  });
});

describe('outcomeEventFor', () => {
  it('publishes MessageSent when Meta accepts the message', () => {
    expect(outcomeEventFor(transition('sending', 'accepted'))).toBe('MessageSent');
    expect(outcomeEventFor(transition('uncertain', 'accepted'))).toBe('MessageSent');
  });

  it('does not publish MessageSent again for the sent webhook after accepted', () => {
    expect(outcomeEventFor(transition('accepted', 'sent'))).toBeUndefined();
  });

  it('publishes MessageSent for the sent webhook of an uncertain send or one whose answer it overtook', () => {
    expect(outcomeEventFor(transition('uncertain', 'sent'))).toBe('MessageSent');
    expect(outcomeEventFor(transition('sending', 'sent'))).toBe('MessageSent');
  });

  it('publishes MessageDelivered, MessageRead and MessageFailed for those statuses', () => {
    expect(outcomeEventFor(transition('sent', 'delivered'))).toBe('MessageDelivered');
    expect(outcomeEventFor(transition('delivered', 'read'))).toBe('MessageRead');
    expect(outcomeEventFor(transition('accepted', 'read'))).toBe('MessageRead');
    expect(outcomeEventFor(transition('delivered', 'failed'))).toBe('MessageFailed');
    expect(outcomeEventFor(transition('sending', 'failed'))).toBe('MessageFailed');
  });

  it('publishes MessageRead for played unless the message was already read', () => {
    expect(outcomeEventFor(transition('delivered', 'played'))).toBe('MessageRead');
    expect(outcomeEventFor(transition('read', 'played'))).toBeUndefined();
  });

  it('publishes MessageRead when a read replaces a failure', () => {
    expect(outcomeEventFor(transition('failed', 'read'))).toBe('MessageRead');
  });

  it('publishes nothing when the status does not change', () => {
    expect(outcomeEventFor(transition('read', 'delivered'))).toBeUndefined();
    expect(outcomeEventFor(transition('delivered', 'delivered'))).toBeUndefined();
    expect(outcomeEventFor(transition('read', 'failed'))).toBeUndefined();
  });

  it('publishes nothing for queued, sending, uncertain or rejected', () => {
    expect(outcomeEventFor(transition(undefined, 'queued'))).toBeUndefined();
    expect(outcomeEventFor(transition('queued', 'sending'))).toBeUndefined();
    expect(outcomeEventFor(transition('sending', 'uncertain'))).toBeUndefined();
    expect(outcomeEventFor(transition('queued', 'rejected'))).toBeUndefined();
  });

  it('publishes each outcome at most once however often and in whatever order the statuses arrive (property)', () => {
    const any = fc.constantFrom<MessageStatus>('accepted', 'sent', 'delivered', 'read', 'played', 'failed');
    fc.assert(
      fc.property(fc.array(any, { maxLength: 15 }), (statuses) => {
        let current: MessageStatus | undefined = 'sending';
        const events: string[] = [];
        for (const incoming of statuses) {
          const t = transition(current, incoming);
          const event = outcomeEventFor(t);
          if (event !== undefined) events.push(event);
          current = t.next;
        }
        return ['MessageSent', 'MessageDelivered', 'MessageRead', 'MessageFailed'].every((e) => events.filter((x) => x === e).length <= 1);
      }),
    );
  });
});
