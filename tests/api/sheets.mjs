// Readers for the exports' files (GET /api/v1/export/cases.xlsx and .csv),
// with node's own zlib and no npm package, for tests/api/export.test.mjs and
// bench/export.mjs:
//
//   unzip(buf)        → Map name → Buffer, the members of a zip
//   xlsxRows(buf)     → [[cell, …], …], the first worksheet's rows as text
//   csvRows(buf)      → [[cell, …], …], RFC 4180; asserts the UTF-8 BOM
//
// xlsxRows reads inline strings (libxlsxwriter's constant-memory mode) and,
// should a file have them, shared strings; it decodes XML's entities and
// Excel's _xHHHH_ escapes, and fails on a formula cell: an export has none.
import { inflateRawSync } from 'node:zlib';

/** The members of the zip in buf, by name (central directory, stored or deflated). */
export function unzip(buf) {
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 65535); i--) {
    if (buf.readUInt32LE(i) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new Error('not a zip: no end of central directory');
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const out = new Map();
  for (let k = 0; k < count; k++) {
    if (buf.readUInt32LE(p) !== 0x02014b50) throw new Error(`bad central directory entry at ${p}`);
    const method = buf.readUInt16LE(p + 10);
    const csize = buf.readUInt32LE(p + 20);
    const usize = buf.readUInt32LE(p + 24);
    const nlen = buf.readUInt16LE(p + 28);
    const elen = buf.readUInt16LE(p + 30);
    const clen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.subarray(p + 46, p + 46 + nlen).toString('utf8');
    if (buf.readUInt32LE(local) !== 0x04034b50) throw new Error(`bad local header for ${name}`);
    const data = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const raw = buf.subarray(data, data + csize);
    const body = method === 0 ? raw : method === 8 ? inflateRawSync(raw) : null;
    if (!body) throw new Error(`${name}: compression method ${method}`);
    if (body.length !== usize) throw new Error(`${name}: ${body.length} bytes, the directory says ${usize}`);
    out.set(name, body);
    p += 46 + nlen + elen + clen;
  }
  return out;
}

const ENTITIES = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** XML text as it reads: entities, then Excel's _xHHHH_ (an escaped "_" is _x005F_). */
function text(s) {
  return s
    .replace(/&(lt|gt|amp|quot|apos|#x[0-9a-fA-F]+|#\d+);/g, (m, e) => {
      if (e[0] !== '#') return ENTITIES[e];
      return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    })
    .replace(/_x([0-9a-fA-F]{4})_/g, (m, h) => String.fromCharCode(parseInt(h, 16)));
}

/** "AB" → 27 (0-based column). */
function column(letters) {
  let n = 0;
  for (const ch of letters) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}

/** The rows of the workbook's first worksheet, every cell as text ("" where empty). */
export function xlsxRows(buf) {
  const zip = unzip(buf);
  const sheet = zip.get('xl/worksheets/sheet1.xml');
  if (!sheet) throw new Error(`no xl/worksheets/sheet1.xml in ${[...zip.keys()].join(', ')}`);
  const shared = [];
  const sst = zip.get('xl/sharedStrings.xml');
  if (sst) {
    for (const si of sst.toString('utf8').matchAll(/<si>([\s\S]*?)<\/si>/g)) {
      shared.push([...si[1].matchAll(/<t[^>]*>([\s\S]*?)<\/t>/g)].map((t) => text(t[1])).join(''));
    }
  }
  const rows = [];
  for (const row of sheet.toString('utf8').matchAll(/<row r="(\d+)"[^>]*?(?:\/>|>([\s\S]*?)<\/row>)/g)) {
    const cells = [];
    const cellRe = /<c r="([A-Z]+)(\d+)"([^>]*?)(?:\/>|>([\s\S]*?)<\/c>)/g;
    for (const c of (row[2] || '').matchAll(cellRe)) {
      const [, col, , attrs, inner = ''] = c;
      if (/<f[ >]/.test(inner)) throw new Error(`a formula in ${col}${row[1]}: ${inner}`);
      const type = (attrs.match(/\bt="([^"]+)"/) || [])[1];
      let v = '';
      if (type === 'inlineStr') {
        v = [...inner.matchAll(/<t[^>]*>([\s\S]*?)<\/t>/g)].map((t) => text(t[1])).join('');
      } else if (type === 's') {
        v = shared[Number((inner.match(/<v>(\d+)<\/v>/) || [])[1])];
      } else {
        v = text((inner.match(/<v>([\s\S]*?)<\/v>/) || [])[1] || '');
      }
      cells[column(col)] = v;
    }
    rows[Number(row[1]) - 1] = Array.from(cells, (x) => x ?? '');
  }
  // a sheet leaves a row's empty cells out at its end: as wide as the header
  const width = (rows[0] || []).length;
  return Array.from(rows, (r) => {
    const out = r ?? [];
    while (out.length < width) out.push('');
    return out;
  });
}

/** The records of an RFC 4180 CSV in buf, which must start with the UTF-8 BOM. */
export function csvRows(buf) {
  if (buf[0] !== 0xef || buf[1] !== 0xbb || buf[2] !== 0xbf) throw new Error('no UTF-8 byte-order mark');
  const s = buf.subarray(3).toString('utf8');
  const rows = [];
  let row = [];
  let cell = '';
  let i = 0;
  let quoted = false;
  while (i < s.length) {
    const ch = s[i];
    if (quoted) {
      if (ch === '"' && s[i + 1] === '"') {
        cell += '"';
        i += 2;
      } else if (ch === '"') {
        quoted = false;
        i++;
      } else {
        cell += ch;
        i++;
      }
    } else if (ch === '"') {
      if (cell !== '') throw new Error(`a quote inside an unquoted cell at ${i}`);
      quoted = true;
      i++;
    } else if (ch === ',') {
      row.push(cell);
      cell = '';
      i++;
    } else if (ch === '\r' && s[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 2;
    } else if (ch === '\n' || ch === '\r') {
      throw new Error(`a bare line break outside quotes at ${i}`);
    } else {
      cell += ch;
      i++;
    }
  }
  if (quoted) throw new Error('the file ends inside a quoted cell');
  if (cell !== '' || row.length) throw new Error('the last record has no CRLF');
  return rows;
}
