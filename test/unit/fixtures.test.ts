import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixtureNames, loadFixture, loadFixtureText } from '#test/fixtures/meta/index.js';

/** The cases the webhook contract tests rely on; removing one must be a deliberate act. */
const REQUIRED_FIXTURES = [
  'messages-text',
  'messages-text-reply',
  'messages-text-forwarded',
  'messages-image',
  'messages-video',
  'messages-audio-voice',
  'messages-document',
  'messages-sticker-animated',
  'messages-location',
  'messages-contacts-contact-request',
  'messages-interactive-button-reply',
  'messages-interactive-list-reply',
  'messages-interactive-nfm-reply-flow',
  'messages-button-unsubscribe',
  'messages-reaction',
  'messages-reaction-removed',
  'messages-order',
  'messages-system-user-changed-number',
  'messages-system-customer-identity-changed',
  'messages-system-user-changed-user-id',
  'messages-referral-ctwa',
  'messages-unsupported',
  'messages-request-welcome',
  'messages-revoke',
  'messages-edit',
  'messages-text-bsuid-only',
  'messages-errors-130429',
  'messages-unknown-type-poll',
  'statuses-sent-pmp',
  'statuses-delivered',
  'statuses-read',
  'statuses-played',
  'statuses-failed-131047',
  'statuses-failed-131050',
  'statuses-sent-cbp-legacy',
  'statuses-sent-free-entry-point',
  'statuses-delivered-bsuid-only',
  'statuses-sent-biz-opaque-callback-data',
  'user-preferences-stop',
  'user-preferences-resume',
  'template-status-approved',
  'template-status-rejected',
  'template-status-paused',
  'template-status-disabled',
  'template-quality-update',
  'template-category-update-impending',
  'template-category-update-completed',
  'template-components-update',
  'phone-number-quality-update-throughput-upgrade',
  'phone-number-quality-update-onboarding',
  'business-capability-update',
  'account-update-restriction',
  'account-update-volume-tier',
  'account-update-violation',
  'user-id-update',
  'batch-mixed',
  'smb-message-echoes',
];

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every `changes[].value` of a webhook body, failing loudly if the envelope is malformed. */
function changeValues(body: unknown): Json[] {
  if (!isObject(body) || !Array.isArray(body['entry'])) throw new Error('not a webhook envelope');
  return body['entry'].flatMap((entry: unknown) => {
    if (!isObject(entry) || !Array.isArray(entry['changes'])) throw new Error('entry without changes');
    return entry['changes'].map((change: unknown) => {
      if (!isObject(change) || !isObject(change['value'])) throw new Error('change without value');
      return change['value'];
    });
  });
}

describe('Meta webhook fixtures', () => {
  const names = fixtureNames();

  it('include every case the contract tests rely on', () => {
    expect(names).toEqual(expect.arrayContaining(REQUIRED_FIXTURES));
  });

  describe.each(names)('%s', (name) => {
    it('is a whatsapp_business_account webhook body with at least one entry and change', () => {
      const body = loadFixture(name);

      expect(body).toMatchObject({ object: 'whatsapp_business_account', entry: expect.any(Array) });
      const entries = (body as { entry: unknown[] }).entry;
      expect(entries.length).toBeGreaterThan(0);
      for (const entry of entries) {
        expect(entry).toMatchObject({ id: expect.stringMatching(/^\d+$/), changes: expect.any(Array) });
        const changes = (entry as { changes: unknown[] }).changes;
        expect(changes.length).toBeGreaterThan(0);
        for (const change of changes) {
          expect(change).toMatchObject({ field: expect.stringMatching(/^[a-z_]+$/), value: expect.any(Object) });
        }
      }
    });

    it('is listed in the README source table', () => {
      const readme = readFileSync(new URL('../fixtures/meta/README.md', import.meta.url), 'utf8');

      expect(readme).toContain(`| \`${name}.json\` |`);
    });
  });

  it('give every inbound message a distinct wamid, so deduplication tests do not collide', () => {
    const owners = new Map<string, string>();
    const collisions: string[] = [];
    for (const name of names) {
      for (const value of changeValues(loadFixture(name))) {
        const messages = Array.isArray(value['messages']) ? value['messages'] : [];
        for (const message of messages) {
          const id = isObject(message) ? message['id'] : undefined;
          if (typeof id !== 'string') {
            collisions.push(`${name}: message without a string id`);
            continue;
          }
          const owner = owners.get(id);
          if (owner !== undefined) collisions.push(`${id} in ${owner} and ${name}`);
          owners.set(id, name);
        }
      }
    }

    expect(collisions).toEqual([]);
  });

  it('return the stored bytes unchanged as text, including non-ASCII emoji', () => {
    const text = loadFixtureText('messages-reaction');

    expect(text).toContain('"emoji": "\u{1F44D}"');
    expect(JSON.parse(text)).toEqual(loadFixture('messages-reaction'));
  });

  it('accept a name given with its .json extension', () => {
    expect(loadFixture('messages-text.json')).toEqual(loadFixture('messages-text'));
  });

  it('reject an unknown fixture name, naming it', () => {
    expect(() => loadFixture('messages-does-not-exist')).toThrow(
      /No Meta webhook fixture named "messages-does-not-exist"/,
    );
  });

  it('reject names that try to leave the fixture folder', () => {
    expect(() => loadFixtureText('../unit/fixtures.test')).toThrow(/Invalid Meta webhook fixture name/);
  });
});
