import {
  index,
  key,
  notValid,
  optionalObject,
  optionalString,
  requireArray,
  requireObject,
  requireOneOf,
  requireString,
  requireUrl,
  type Json,
} from './params.js';

/**
 * Interactive messages, with the limits of Meta's interactive-message pages (https://developers.facebook.com/documentation/business-messaging/whatsapp/messages/interactive-reply-buttons-messages): reply buttons,
 * lists, CTA URL buttons, single- and multi-product messages. Other interactive types (flow, carousel,
 * catalog_message, location_request_message, address_message, contact_request, call_permission_request) are
 * checked for their common parts only. Limit violations are 131009 ("Parameter value is not valid").
 */

export const INTERACTIVE_TYPES = [
  'button',
  'list',
  'cta_url',
  'product',
  'product_list',
  'catalog_message',
  'flow',
  'location_request_message',
  'address_message',
  'carousel',
  'contact_request',
  'call_permission_request',
] as const;
type InteractiveType = (typeof INTERACTIVE_TYPES)[number];

const HEADER_TYPES = ['text', 'image', 'video', 'document'] as const;
const BODY_OPTIONAL: ReadonlySet<InteractiveType> = new Set(['product', 'carousel']);

export function validateInteractive(value: unknown): Json {
  const path = 'interactive';
  const interactive = requireObject(value, path);
  const type = requireOneOf(interactive['type'], key(path, 'type'), INTERACTIVE_TYPES);

  const header = optionalObject(interactive['header'], key(path, 'header'));
  if (header !== undefined) checkHeader(header, key(path, 'header'), type);
  if (type === 'product_list' && header === undefined) throw notValid(key(path, 'header'), 'is required for product_list messages.');
  if (type === 'product_list' && header?.['type'] !== 'text') throw notValid(key(key(path, 'header'), 'type'), 'must be text for product_list messages.');

  const bodyPath = key(path, 'body');
  const body = BODY_OPTIONAL.has(type) ? optionalObject(interactive['body'], bodyPath) : requireObject(interactive['body'], bodyPath);
  if (body !== undefined) {
    const max = type === 'list' ? 4096 : 1024;
    requireString(body['text'], key(bodyPath, 'text'), { min: 1, max, strictCode: true });
  }

  const footer = optionalObject(interactive['footer'], key(path, 'footer'));
  if (footer !== undefined) requireString(footer['text'], key(key(path, 'footer'), 'text'), { min: 1, max: 60, strictCode: true });

  const actionPath = key(path, 'action');
  const action = requireObject(interactive['action'], actionPath);
  switch (type) {
    case 'button':
      checkReplyButtons(action, actionPath);
      break;
    case 'list':
      checkList(action, actionPath);
      break;
    case 'cta_url':
      checkCtaUrl(action, actionPath);
      break;
    case 'product':
      requireString(action['catalog_id'], key(actionPath, 'catalog_id'), { min: 1 });
      requireString(action['product_retailer_id'], key(actionPath, 'product_retailer_id'), { min: 1 });
      break;
    case 'product_list':
      checkProductList(action, actionPath);
      break;
    default:
      break;
  }
  return interactive;
}

function checkHeader(header: Json, path: string, type: InteractiveType): void {
  const headerType = requireOneOf(header['type'], key(path, 'type'), HEADER_TYPES);
  if (type === 'list' && headerType !== 'text') throw notValid(key(path, 'type'), 'must be text for list messages.');
  if (headerType === 'text') {
    requireString(header['text'], key(path, 'text'), { min: 1, max: 60, strictCode: true });
    return;
  }
  const media = requireObject(header[headerType], key(path, headerType));
  if (media['id'] === undefined && media['link'] === undefined) throw notValid(key(path, headerType), 'must contain an id or a link.');
  if (media['link'] !== undefined) requireUrl(media['link'], key(key(path, headerType), 'link'));
  if (media['id'] !== undefined) requireString(media['id'], key(key(path, headerType), 'id'), { min: 1 });
}

function checkReplyButtons(action: Json, path: string): void {
  const buttonsPath = key(path, 'buttons');
  const buttons = requireArray(action['buttons'], buttonsPath);
  if (buttons.length < 1 || buttons.length > 3) throw notValid(buttonsPath, 'must contain between 1 and 3 buttons.');
  const ids = new Set<string>();
  const titles = new Set<string>();
  buttons.forEach((raw, i) => {
    const buttonPath = index(buttonsPath, i);
    const button = requireObject(raw, buttonPath);
    requireOneOf(button['type'], key(buttonPath, 'type'), ['reply']);
    const replyPath = key(buttonPath, 'reply');
    const reply = requireObject(button['reply'], replyPath);
    const id = requireString(reply['id'], key(replyPath, 'id'), { min: 1, max: 256, strictCode: true });
    const title = requireString(reply['title'], key(replyPath, 'title'), { min: 1, max: 20, strictCode: true });
    if (ids.has(id)) throw notValid(key(replyPath, 'id'), `must be unique: "${id}" is used by another button.`);
    if (titles.has(title)) throw notValid(key(replyPath, 'title'), `must be unique: "${title}" is used by another button.`);
    ids.add(id);
    titles.add(title);
  });
}

function checkList(action: Json, path: string): void {
  requireString(action['button'], key(path, 'button'), { min: 1, max: 20, strictCode: true });
  const sectionsPath = key(path, 'sections');
  const sections = requireArray(action['sections'], sectionsPath);
  if (sections.length < 1 || sections.length > 10) throw notValid(sectionsPath, 'must contain between 1 and 10 sections.');
  let rowCount = 0;
  const rowIds = new Set<string>();
  sections.forEach((raw, s) => {
    const sectionPath = index(sectionsPath, s);
    const section = requireObject(raw, sectionPath);
    if (sections.length > 1) requireString(section['title'], key(sectionPath, 'title'), { min: 1, max: 24, strictCode: true });
    else optionalString(section['title'], key(sectionPath, 'title'), { max: 24, strictCode: true });
    const rowsPath = key(sectionPath, 'rows');
    const rows = requireArray(section['rows'], rowsPath);
    if (rows.length < 1) throw notValid(rowsPath, 'must contain at least 1 row.');
    rows.forEach((rawRow, r) => {
      const rowPath = index(rowsPath, r);
      const row = requireObject(rawRow, rowPath);
      const id = requireString(row['id'], key(rowPath, 'id'), { min: 1, max: 200, strictCode: true });
      requireString(row['title'], key(rowPath, 'title'), { min: 1, max: 24, strictCode: true });
      optionalString(row['description'], key(rowPath, 'description'), { max: 72, strictCode: true });
      if (rowIds.has(id)) throw notValid(key(rowPath, 'id'), `must be unique: "${id}" is used by another row.`);
      rowIds.add(id);
    });
    rowCount += rows.length;
  });
  if (rowCount > 10) throw notValid(sectionsPath, `must contain at most 10 rows in total (got ${rowCount}).`);
}

function checkCtaUrl(action: Json, path: string): void {
  requireOneOf(action['name'], key(path, 'name'), ['cta_url']);
  const parametersPath = key(path, 'parameters');
  const parameters = requireObject(action['parameters'], parametersPath);
  requireString(parameters['display_text'], key(parametersPath, 'display_text'), { min: 1, max: 20, strictCode: true });
  requireUrl(parameters['url'], key(parametersPath, 'url'));
}

function checkProductList(action: Json, path: string): void {
  requireString(action['catalog_id'], key(path, 'catalog_id'), { min: 1 });
  const sectionsPath = key(path, 'sections');
  const sections = requireArray(action['sections'], sectionsPath);
  if (sections.length < 1 || sections.length > 10) throw notValid(sectionsPath, 'must contain between 1 and 10 sections.');
  let productCount = 0;
  sections.forEach((raw, s) => {
    const sectionPath = index(sectionsPath, s);
    const section = requireObject(raw, sectionPath);
    requireString(section['title'], key(sectionPath, 'title'), { min: 1, max: 24, strictCode: true });
    const itemsPath = key(sectionPath, 'product_items');
    const items = requireArray(section['product_items'], itemsPath);
    if (items.length < 1) throw notValid(itemsPath, 'must contain at least 1 product.');
    items.forEach((rawItem, i) => {
      const item = requireObject(rawItem, index(itemsPath, i));
      requireString(item['product_retailer_id'], key(index(itemsPath, i), 'product_retailer_id'), { min: 1 });
    });
    productCount += items.length;
  });
  if (productCount > 30) throw notValid(sectionsPath, `must contain at most 30 products in total (got ${productCount}).`);
}
