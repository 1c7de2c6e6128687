import { describe, expect, it } from 'vitest';
import {
  createStaticTemplateRegistry,
  normaliseTemplateLanguage,
  parseTemplateRegistryConfig,
  type TemplateInfo,
} from '#shared/domain/templates/template-registry.js';

const SHIPPED: TemplateInfo = { name: 'order_shipped', language: 'en_US', status: 'APPROVED', category: 'utility', parameters: { body: 2 } };
const SHIPPED_FR: TemplateInfo = { name: 'order_shipped', language: 'fr', status: 'PAUSED', category: 'utility' };

describe('createStaticTemplateRegistry', () => {
  const registry = createStaticTemplateRegistry([SHIPPED, SHIPPED_FR]);

  it('finds a template by name and language', async () => {
    await expect(registry.find(undefined, 'order_shipped', 'en_US')).resolves.toEqual(SHIPPED);
    await expect(registry.find(undefined, 'order_shipped', 'fr')).resolves.toEqual(SHIPPED_FR);
  });

  it('treats en_US and en-US as the same language', async () => {
    await expect(registry.find(undefined, 'order_shipped', 'en-US')).resolves.toEqual(SHIPPED);
    expect(normaliseTemplateLanguage('en-US')).toBe(normaliseTemplateLanguage('en_US'));
  });

  it('answers undefined for an unknown name or a language the template does not have', async () => {
    await expect(registry.find(undefined, 'order_cancelled', 'en_US')).resolves.toBeUndefined();
    await expect(registry.find(undefined, 'order_shipped', 'de')).resolves.toBeUndefined();
  });

  it("serves templates without an account to every account, and prefers the account's own entry", async () => {
    const own: TemplateInfo = { ...SHIPPED, category: 'marketing', businessAccountId: '111' };
    const scoped = createStaticTemplateRegistry([SHIPPED, own]);
    await expect(scoped.find('111', 'order_shipped', 'en_US')).resolves.toEqual(own);
    await expect(scoped.find('222', 'order_shipped', 'en_US')).resolves.toEqual(SHIPPED);
    await expect(scoped.find(undefined, 'order_shipped', 'en_US')).resolves.toEqual(SHIPPED);
  });

  it("does not serve one account's template to another", async () => {
    const scoped = createStaticTemplateRegistry([{ ...SHIPPED, businessAccountId: '111' }]);
    await expect(scoped.find('222', 'order_shipped', 'en_US')).resolves.toBeUndefined();
  });

  it('serves the only account-scoped entry to a lookup without an account, but does not guess among several', async () => {
    const one = createStaticTemplateRegistry([{ ...SHIPPED, businessAccountId: '111' }]);
    await expect(one.find(undefined, 'order_shipped', 'en_US')).resolves.toMatchObject({ businessAccountId: '111' });
    const two = createStaticTemplateRegistry([
      { ...SHIPPED, businessAccountId: '111' },
      { ...SHIPPED, businessAccountId: '222', category: 'marketing' },
    ]);
    await expect(two.find(undefined, 'order_shipped', 'en_US')).resolves.toBeUndefined();
  });
});

describe('parseTemplateRegistryConfig', () => {
  it('parses a JSON array of templates', () => {
    const config = JSON.stringify([
      { name: 'order_shipped', language: 'en_US', status: 'APPROVED', category: 'utility', parameterFormat: 'positional', parameters: { header: 1, body: 2, buttons: [0] } },
      { name: 'welcome', language: 'fr', status: 'APPROVED', category: 'marketing', parameterFormat: 'named', parameters: { body: ['first_name'] }, businessAccountId: '102290129340398' },
    ]);
    expect(parseTemplateRegistryConfig(config)).toEqual([
      { name: 'order_shipped', language: 'en_US', status: 'APPROVED', category: 'utility', parameterFormat: 'positional', parameters: { header: 1, body: 2, buttons: [0] } },
      { name: 'welcome', language: 'fr', status: 'APPROVED', category: 'marketing', parameterFormat: 'named', parameters: { body: ['first_name'] }, businessAccountId: '102290129340398' },
    ]);
  });

  it('parses an empty list', () => {
    expect(parseTemplateRegistryConfig('[]')).toEqual([]);
  });

  it('refuses text that is not JSON', () => {
    expect(() => parseTemplateRegistryConfig('{oops')).toThrow(/template registry config is not valid JSON/);
  });

  it('refuses a JSON value that is not an array', () => {
    expect(() => parseTemplateRegistryConfig('{"name":"x"}')).toThrow(/must be a JSON array of templates/);
  });

  it('names the bad entry by position, name and language, and the field at fault', () => {
    const config = JSON.stringify([SHIPPED, { name: 'promo', language: 'en_US', status: 'approved', category: 'marketing' }]);
    expect(() => parseTemplateRegistryConfig(config)).toThrow(/entry 1 \(promo\/en_US\): status: must be Meta's status in capitals/);
  });

  it('refuses an unknown category, listing the allowed ones', () => {
    const config = JSON.stringify([{ name: 'promo', language: 'en_US', status: 'APPROVED', category: 'service' }]);
    expect(() => parseTemplateRegistryConfig(config)).toThrow(/entry 0 \(promo\/en_US\): category: must be one of marketing, utility, authentication/);
  });

  it('refuses a misspelt field rather than ignoring it', () => {
    const config = JSON.stringify([{ ...SHIPPED, catgory: 'utility' }]);
    expect(() => parseTemplateRegistryConfig(config)).toThrow(/entry 0 \(order_shipped\/en_US\).*catgory/);
  });

  it('refuses a missing name, naming the entry by position', () => {
    const config = JSON.stringify([SHIPPED, SHIPPED_FR, { language: 'en_US', status: 'APPROVED', category: 'utility' }]);
    expect(() => parseTemplateRegistryConfig(config)).toThrow(/entry 2: name: is required/);
  });

  it('refuses named parameters on a positional template and a count on a named one', () => {
    const positional = JSON.stringify([{ ...SHIPPED, parameterFormat: 'positional', parameters: { body: ['first_name'] } }]);
    expect(() => parseTemplateRegistryConfig(positional)).toThrow(/parameters\.body: lists parameter names but parameterFormat is positional/);
    const named = JSON.stringify([{ ...SHIPPED, parameterFormat: 'named', parameters: { body: 2 } }]);
    expect(() => parseTemplateRegistryConfig(named)).toThrow(/parameters\.body: is a count but parameterFormat is named/);
  });

  it('refuses repeated parameter names and button indexes', () => {
    expect(() => parseTemplateRegistryConfig(JSON.stringify([{ ...SHIPPED, parameters: { body: ['a', 'a'] } }]))).toThrow(/repeats the parameter name "a"/);
    expect(() => parseTemplateRegistryConfig(JSON.stringify([{ ...SHIPPED, parameters: { buttons: [0, 0] } }]))).toThrow(/button indexes must be unique/);
  });

  it('refuses the same template twice, even spelt en-US and en_US', () => {
    const config = JSON.stringify([SHIPPED, { ...SHIPPED, language: 'en-US' }]);
    expect(() => parseTemplateRegistryConfig(config)).toThrow(/entry 1 \(order_shipped\/en-US\) repeats entry 0/);
  });

  it('accepts the same template for two accounts', () => {
    const config = JSON.stringify([
      { ...SHIPPED, businessAccountId: '111' },
      { ...SHIPPED, businessAccountId: '222' },
    ]);
    expect(parseTemplateRegistryConfig(config)).toHaveLength(2);
  });

  it('feeds the static registry', async () => {
    const registry = createStaticTemplateRegistry(parseTemplateRegistryConfig(JSON.stringify([SHIPPED])));
    await expect(registry.find(undefined, 'order_shipped', 'en-US')).resolves.toEqual(SHIPPED);
  });
});
