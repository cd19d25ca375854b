// The XML checker of the Open311 conformance suite: parses an answer with
// @xmldom/xmldom and asserts the GeoReport v2 shape: the UTF-8 declaration,
// one root of the expected name, repeated children of the expected name,
// wrapper elements (attributes/attribute, values/value, endpoints/endpoint,
// formats/format), ids and codes as plain text (no attributes, no child
// elements), W3C times with a colon in the offset, ASCII codes.
import assert from 'node:assert/strict';
import { DOMParser } from '../webdeps.mjs';

const WRAPPERS = { attributes: 'attribute', values: 'value', endpoints: 'endpoint', formats: 'format' };
const TIMES = /datetime$|^changeset$/;
const W3C = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$/;
const IDS = ['service_request_id', 'service_code', 'code', 'update_id', 'token'];

const elements = (n) => Array.from(n.childNodes).filter((c) => c.nodeType === 1);

/** Checks text and returns the root element. */
export function checkXml(text, root, child) {
  assert.match(text, /^<\?xml version="1.0" encoding="UTF-8"\?>\n/, 'UTF-8 declaration first');
  const errors = [];
  const doc = new DOMParser({ onError: (level, msg) => errors.push(`${level}: ${msg}`) })
    .parseFromString(text, 'text/xml');
  assert.deepEqual(errors, [], `well-formed: ${text.slice(0, 300)}`);
  const r = doc.documentElement;
  assert.equal(r.nodeName, root, 'root element');
  assert.equal(elements(doc).length, 1, 'one root');
  if (child) for (const c of elements(r)) assert.equal(c.nodeName, child, `${root} holds only ${child}`);
  walk(r);
  return r;
}

function walk(n) {
  const kids = elements(n);
  if (WRAPPERS[n.nodeName]) for (const c of kids) assert.equal(c.nodeName, WRAPPERS[n.nodeName], `${n.nodeName} wraps ${WRAPPERS[n.nodeName]}`);
  if (IDS.includes(n.nodeName) && n.parentNode.nodeName !== 'errors') {
    assert.equal(n.attributes.length, 0, `${n.nodeName} has no attributes`);
    assert.equal(kids.length, 0, `${n.nodeName} is plain text`);
    if (n.nodeName !== 'code' || n.parentNode.nodeName === 'attribute') assert.match(n.textContent, /^[\x21-\x7e]*$/, `${n.nodeName} is ASCII`);
  }
  if (TIMES.test(n.nodeName) && n.textContent) assert.match(n.textContent, W3C, `${n.nodeName} is a W3C time: ${n.textContent}`);
  for (const c of kids) walk(c);
}

/** The text of each named child of an element, as an object. */
export function fields(el) {
  const o = {};
  for (const c of elements(el)) o[c.nodeName] = elements(c).length ? c : c.textContent;
  return o;
}

/**
 * Asserts that an XML element says what the same answer's JSON value says
 * (open311_write.c writes both from one document): an object's members as
 * child elements of the same names, none missing and none more; an array's
 * items as repeated children; a string as its text; a number as its value;
 * "" and null as an empty element (no text, no children), never a missing
 * element or the text "null". No element carries attributes.
 */
export function mirrors(el, value, where = el.nodeName) {
  const kids = elements(el);
  assert.equal(el.attributes.length, 0, `${where} has no attributes`);
  if (value === null || value === '') {
    assert.equal(kids.length, 0, `${where} is empty`);
    assert.equal(el.textContent, '', `${where} is an empty element for ${JSON.stringify(value)}`);
  } else if (Array.isArray(value)) {
    assert.equal(kids.length, value.length, `${where}: one element per item`);
    kids.forEach((k, i) => mirrors(k, value[i], `${where}/${k.nodeName}[${i}]`));
  } else if (typeof value === 'object') {
    assert.deepEqual(kids.map((k) => k.nodeName).sort(), Object.keys(value).sort(), `${where}: the same members`);
    for (const k of kids) mirrors(k, value[k.nodeName], `${where}/${k.nodeName}`);
  } else {
    assert.equal(kids.length, 0, `${where} is plain text`);
    if (typeof value === 'number') assert.ok(el.textContent !== '' && Math.abs(Number(el.textContent) - value) < 1e-7, `${where}: ${el.textContent} is ${value}`);
    else assert.equal(el.textContent, String(value), where);
  }
}

export { elements };
