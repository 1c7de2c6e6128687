import type { TemplateInfo } from '../../shared/domain/templates/template-registry.js';
import type { TemplateDef } from './sandbox/types.js';

/**
 * The approved templates of the local stack, given both to the sandbox ("Meta") and to Relais's template
 * registry, as a synced deployment would have them.
 */
export const LOCAL_TEMPLATES: ReadonlyArray<TemplateInfo & { sandbox: TemplateDef }> = [
  {
    name: 'order_update',
    language: 'en_US',
    status: 'APPROVED',
    category: 'utility',
    parameterFormat: 'positional',
    parameters: { body: 2 },
    sandbox: { name: 'order_update', language: 'en_US', category: 'UTILITY', components: { body: 2 } },
  },
  {
    name: 'login_code',
    language: 'en_US',
    status: 'APPROVED',
    category: 'authentication',
    parameterFormat: 'positional',
    parameters: { body: 1, buttons: [0] },
    sandbox: { name: 'login_code', language: 'en_US', category: 'AUTHENTICATION', components: { body: 1, buttons: [{ type: 'otp' }] } },
  },
  {
    name: 'spring_promo',
    language: 'en_US',
    status: 'APPROVED',
    category: 'marketing',
    parameterFormat: 'named',
    parameters: { body: ['first_name'] },
    sandbox: {
      name: 'spring_promo',
      language: 'en_US',
      category: 'MARKETING',
      parameterFormat: 'named',
      components: { body: ['first_name'], buttons: [{ type: 'quick_reply' }] },
    },
  },
];

export function registryTemplates(): TemplateInfo[] {
  return LOCAL_TEMPLATES.map(({ sandbox: _sandbox, ...info }) => info);
}

export function sandboxTemplates(): TemplateDef[] {
  return LOCAL_TEMPLATES.map((t) => t.sandbox);
}
