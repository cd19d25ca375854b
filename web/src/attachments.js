// Case attachments in the browser (docs/api.md "Attachments"): what the
// server accepts, checked before a byte is sent, with the reason in Chinese;
// the upload itself (the file as the raw body, its type, the CSRF token of
// the cookie session and one Idempotency-Key per file, so a retry never
// attaches twice); and how a size reads. The server checks everything again.

import { ApiError, api } from './api.js'
import { errorText } from './errors.js'

export const MAX_BYTES = 10 * 1024 * 1024
export const NAME_MAX = 200 // characters

// The four types, and the bytes each one's files start with.
export const TYPES = {
  'image/jpeg': { label: 'JPEG 图片', image: true, magic: [[0, [0xff, 0xd8, 0xff]]] },
  'image/png': { label: 'PNG 图片', image: true, magic: [[0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]]] },
  'image/webp': { label: 'WebP 图片', image: true, magic: [[0, [0x52, 0x49, 0x46, 0x46]], [8, [0x57, 0x45, 0x42, 0x50]]] },
  'application/pdf': { label: 'PDF 文件', image: false, magic: [[0, [0x25, 0x50, 0x44, 0x46, 0x2d]]] },
}
export const ACCEPT = Object.keys(TYPES).join(',') + ',.jpg,.jpeg,.png,.webp,.pdf'

const EXT_TYPES = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', pdf: 'application/pdf' }

export function isImage(type) {
  return !!(TYPES[type] && TYPES[type].image)
}

// The type the first bytes (a Uint8Array of at least 12, fewer for a tiny
// file) say the file is, or null.
export function sniffType(bytes) {
  for (const [type, t] of Object.entries(TYPES)) {
    if (t.magic.every(([off, m]) => bytes.length >= off + m.length && m.every((b, i) => bytes[off + i] === b))) return type
  }
  return null
}

// The type a browser gave a file, or the one its extension names when the
// browser gave none ("" for some files) or an old alias.
export function declaredType(file) {
  const t = (file.type || '').toLowerCase()
  if (t === 'image/jpg' || t === 'image/pjpeg') return 'image/jpeg'
  if (t) return t
  const m = /\.([a-z0-9]+)$/i.exec(file.name || '')
  return (m && EXT_TYPES[m[1].toLowerCase()]) || ''
}

// Why a file name cannot be sent, or '' when it can (the server's rule:
// 1–200 characters, none of them a control or direction character, no / or \).
export function nameProblem(name) {
  if (!name || !name.trim()) return '文件名不能为空'
  if ([...name].length > NAME_MAX) return '文件名过长（最多 ' + NAME_MAX + ' 个字），请改短后再上传'
  if (/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(name)) return '文件名含有控制字符，请重命名后再上传'
  if (/[/\\]/.test(name) || name === '.' || name === '..') return '文件名不能包含 / 或 \\'
  return ''
}

// Why file (a File; head: its first bytes) cannot be attached, or '' when it
// can: the checks of the server, in Chinese, before anything is sent.
export function fileProblem(file, head) {
  const type = declaredType(file)
  if (!TYPES[type]) return '只能上传 JPEG、PNG、WebP 图片或 PDF 文件'
  if (!file.size) return '文件是空的'
  if (file.size > MAX_BYTES) return '文件超过 10 MB（' + formatSize(file.size) + '），请压缩后再上传'
  const named = nameProblem(file.name)
  if (named) return named
  if (head && sniffType(head) !== type) return '文件内容与扩展名不符（不是真正的' + TYPES[type].label + '），请检查文件'
  return ''
}

// 1536 → "1.5 KB"; whole bytes below 1 KB.
export function formatSize(n) {
  if (!Number.isFinite(n) || n < 0) return ''
  if (n < 1024) return n + ' B'
  if (n < 1024 * 1024) return (n / 1024).toFixed(n < 10240 ? 1 : 0) + ' KB'
  return (n / 1024 / 1024).toFixed(1) + ' MB'
}

export function attachmentUrl(id) {
  return '/api/v1/attachments/' + encodeURIComponent(id)
}

// The CSRF token the server set beside the session cookie (as api.js reads it).
export function csrfToken(cookie = typeof document === 'undefined' ? '' : document.cookie) {
  const m = cookie.match(/(?:^|;\s*)cl_csrf=([^;]+)/)
  return m ? decodeURIComponent(m[1]) : ''
}

const keys = new WeakMap() // File → its Idempotency-Key, kept across retries

function keyFor(file) {
  if (!keys.has(file)) keys.set(file, api.newKey())
  return keys.get(file)
}

// What to say when the server's answer carries no Chinese message of its own
// (it always does; a proxy in between may not).
const MESSAGES = {
  'attachment.bad_type': '文件类型不支持或内容与类型不符，只能上传 JPEG、PNG、WebP 图片或 PDF 文件',
  'request.too_large': '文件超过 10 MB，请压缩后再上传',
  'case.action_not_allowed': '工单已办结，不能再添加附件',
}

// The message for a failed upload: the server's own, else one by its code.
export function uploadErrorText(err) {
  if (err && err.code === 'network' && err.message) return err.message
  if (err && err.status > 0 && err.message && /[\u4e00-\u9fff]/.test(err.message)) return err.message
  if (err && err.code && MESSAGES[err.code]) return MESSAGES[err.code]
  if (err && err.status === 413) return MESSAGES['request.too_large']
  if (err && err.status === 415) return MESSAGES['attachment.bad_type']
  return errorText(err)
}

async function send(caseId, file, type, fetchImpl) {
  const res = await fetchImpl('/api/v1/cases/' + encodeURIComponent(caseId) + '/attachments?name=' + encodeURIComponent(file.name), {
    method: 'POST',
    credentials: 'same-origin',
    headers: {
      Accept: 'application/json',
      'Content-Type': type,
      'X-CSRF-Token': csrfToken(),
      'Idempotency-Key': keyFor(file),
    },
    body: file,
  })
  const text = await res.text()
  let data = null
  try {
    data = text ? JSON.parse(text) : null
  } catch (e) {
    data = null
  }
  return { res, data }
}

// Uploads file to case caseId: resolves the attachment, or throws an
// ApiError. A 401 asks for the sign-in again (through api.js, as every other
// call does) and sends once more with the same key.
export async function uploadAttachment(caseId, file, fetchImpl = fetch) {
  const type = declaredType(file)
  let r
  try {
    r = await send(caseId, file, type, fetchImpl)
    if (r.res.status === 401) {
      await api.get('/api/v1/auth/me') // opens the sign-in-again dialog, resolves once signed in
      r = await send(caseId, file, type, fetchImpl)
    }
  } catch (e) {
    if (e instanceof ApiError) throw e
    throw new ApiError(0, 'network', '无法连接服务器，文件未上传，请检查网络后重试')
  }
  if (!r.res.ok) {
    const err = (r.data && r.data.error) || {}
    throw new ApiError(r.res.status, err.code || 'http.' + r.res.status, err.message || '上传失败（' + r.res.status + '）', err.field)
  }
  return r.data.attachment
}
