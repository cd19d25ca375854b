// The npm packages the API tests use, from web/node_modules (one lock file,
// one `npm ci`; the Makefile installs it before the API suite):
//
//   Ajv2020, addFormats   JSON Schema 2020-12 validation (Open311's JSON answers)
//   DOMParser             an XML parser, for the element structure of Open311's XML
//   OpenApiValidator      checks /api/openapi.json against the OpenAPI 3.1 schema
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../web/package.json', import.meta.url));

export const Ajv2020 = require('ajv/dist/2020').default;
export const addFormats = require('ajv-formats').default;
export const { DOMParser } = require('@xmldom/xmldom');
export const { Validator: OpenApiValidator } = require('@seriousme/openapi-schema-validator');
