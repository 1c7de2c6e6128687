import {
  index,
  invalid,
  isObject,
  key,
  missing,
  onlyKeys,
  optionalString,
  requireArray,
  requireNumber,
  requireObject,
  requireOneOf,
  requireString,
  requireUrl,
  type Json,
} from './params.js';

/**
 * The shape of `template` in a send (https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/send-messages): name, language and components with their parameters.
 * Whether the parameters fit the registered template is decided later, against the registry (`templates.ts`).
 */

export interface TemplateParameterSend {
  readonly type: string;
  readonly parameterName?: string;
  /** The value of a `text` parameter. */
  readonly text?: string;
  readonly path: string;
}

export interface TemplateComponentSend {
  readonly type: string;
  readonly subType?: string;
  readonly index?: number;
  readonly parameters: readonly TemplateParameterSend[];
  readonly path: string;
}

export interface TemplateSend {
  readonly name: string;
  readonly languageCode: string;
  readonly components: readonly TemplateComponentSend[];
}

const COMPONENT_TYPES = ['header', 'body', 'button', 'carousel', 'limited_time_offer', 'order_status'] as const;
const BUTTON_SUB_TYPES = ['quick_reply', 'url', 'copy_code', 'flow', 'catalog', 'mpm', 'voice_call', 'order_details'] as const;
const PARAMETER_TYPES = [
  'text',
  'currency',
  'date_time',
  'image',
  'video',
  'document',
  'location',
  'payload',
  'coupon_code',
  'action',
  'product',
  'order_status',
  'limited_time_offer',
  'tap_target_configuration',
] as const;
const MEDIA_PARAMETERS: ReadonlySet<string> = new Set(['image', 'video', 'document']);
const NAMED_PARAMETER = /^[a-z0-9_]+$/;

export function validateTemplatePayload(value: unknown): TemplateSend {
  const path = 'template';
  const template = requireObject(value, path);
  onlyKeys(template, path, ['name', 'language', 'components', 'namespace']);
  const name = requireString(template['name'], key(path, 'name'), { min: 1, max: 512 });
  const languagePath = key(path, 'language');
  const language = requireObject(template['language'], languagePath);
  onlyKeys(language, languagePath, ['code', 'policy']);
  const languageCode = requireString(language['code'], key(languagePath, 'code'), { min: 1 });
  if (language['policy'] !== undefined) requireOneOf(language['policy'], key(languagePath, 'policy'), ['deterministic']);

  const componentsPath = key(path, 'components');
  const rawComponents = template['components'] === undefined ? [] : requireArray(template['components'], componentsPath);
  const components = rawComponents.map((raw, i) => validateComponent(raw, index(componentsPath, i)));
  return { name, languageCode, components };
}

function validateComponent(raw: unknown, path: string): TemplateComponentSend {
  const component = requireObject(raw, path);
  const type = requireOneOf(component['type'], key(path, 'type'), COMPONENT_TYPES);
  let subType: string | undefined;
  let buttonIndex: number | undefined;
  if (type === 'button') {
    subType = requireOneOf(component['sub_type'], key(path, 'sub_type'), BUTTON_SUB_TYPES);
    const indexPath = key(path, 'index');
    const rawIndex = component['index'];
    if (rawIndex === undefined || rawIndex === null) throw missing(indexPath);
    buttonIndex = requireNumber(rawIndex, indexPath, { min: 0, max: 9 });
    if (!Number.isInteger(buttonIndex)) throw invalid(indexPath, 'must be an integer.');
  }
  const parametersPath = key(path, 'parameters');
  const rawParameters = component['parameters'] === undefined ? [] : requireArray(component['parameters'], parametersPath);
  const parameters = rawParameters.map((p, i) => validateParameter(p, index(parametersPath, i)));
  return { type, ...(subType === undefined ? {} : { subType }), ...(buttonIndex === undefined ? {} : { index: buttonIndex }), parameters, path };
}

function validateParameter(raw: unknown, path: string): TemplateParameterSend {
  const parameter = requireObject(raw, path);
  const type = requireOneOf(parameter['type'], key(path, 'type'), PARAMETER_TYPES);
  const parameterName = optionalString(parameter['parameter_name'], key(path, 'parameter_name'), { min: 1 });
  if (parameterName !== undefined && !NAMED_PARAMETER.test(parameterName)) {
    throw invalid(key(path, 'parameter_name'), 'must contain only lowercase letters, digits and underscores.');
  }
  const base = { type, path, ...(parameterName === undefined ? {} : { parameterName }) };
  switch (type) {
    case 'text':
      return { ...base, text: requireString(parameter['text'], key(path, 'text'), { min: 1, max: 32768 }) };
    case 'payload':
      requireString(parameter['payload'], key(path, 'payload'), { min: 1, max: 128 });
      return base;
    case 'coupon_code':
      requireString(parameter['coupon_code'], key(path, 'coupon_code'), { min: 1, max: 15 });
      return base;
    case 'currency': {
      const currencyPath = key(path, 'currency');
      const currency = requireObject(parameter['currency'], currencyPath);
      requireString(currency['fallback_value'], key(currencyPath, 'fallback_value'), { min: 1 });
      requireString(currency['code'], key(currencyPath, 'code'), { min: 3, max: 3 });
      requireNumber(currency['amount_1000'], key(currencyPath, 'amount_1000'));
      return base;
    }
    case 'date_time': {
      const dateTime = requireObject(parameter['date_time'], key(path, 'date_time'));
      requireString(dateTime['fallback_value'], key(key(path, 'date_time'), 'fallback_value'), { min: 1 });
      return base;
    }
    case 'location': {
      const locationPath = key(path, 'location');
      const location = requireObject(parameter['location'], locationPath);
      requireNumber(location['latitude'], key(locationPath, 'latitude'), { min: -90, max: 90 });
      requireNumber(location['longitude'], key(locationPath, 'longitude'), { min: -180, max: 180 });
      return base;
    }
    default:
      if (MEDIA_PARAMETERS.has(type)) {
        checkMediaReference(parameter[type], key(path, type));
        return base;
      }
      if (!isObject(parameter[type])) throw missing(key(path, type));
      return base;
  }
}

function checkMediaReference(value: unknown, path: string): Json {
  const media = requireObject(value, path);
  const hasId = media['id'] !== undefined;
  const hasLink = media['link'] !== undefined;
  if (!hasId && !hasLink) throw missing(`${key(path, 'id')} or ${key(path, 'link')}`);
  if (hasId && hasLink) throw invalid(path, 'must contain either id or link, not both.');
  if (hasId) requireString(media['id'], key(path, 'id'), { min: 1 });
  else requireUrl(media['link'], key(path, 'link'));
  return media;
}
