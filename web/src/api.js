// The one way the UI talks to the server: JSON over fetch with the session
// cookie, the CSRF header on writes, and API.md's error shape turned into an
// ApiError. A 401 on any call but sign-in asks the user to sign in again
// (session.js shows the dialog) and then retries the call, so nothing typed
// into a form is lost when a session expires.

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message || code)
    this.status = status
    this.code = code
    this.field = field || null
  }
}

let reauth = null // () => Promise<void>, set by session.js

export function onReauth(fn) {
  reauth = fn
}

function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)cl_csrf=([^;]+)/)
  return m ? decodeURIComponent(m[1]) : ''
}

// Query string from an object, leaving out empty values.
export function qs(params) {
  const u = new URLSearchParams()
  for (const [k, v] of Object.entries(params || {})) {
    if (v === undefined || v === null || v === '' || v === false) continue
    u.set(k, v === true ? '1' : String(v))
  }
  const s = u.toString()
  return s ? '?' + s : ''
}

function newKey() {
  const a = new Uint8Array(16)
  crypto.getRandomValues(a)
  return Array.from(a, (b) => b.toString(16).padStart(2, '0')).join('')
}

// request(method, path, {body, idempotent, retried})
export async function request(method, path, opts = {}) {
  const headers = { Accept: 'application/json' }
  const init = { method, headers, credentials: 'same-origin' }
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(opts.body)
  } else if (opts.text !== undefined) {
    // a body sent as it is (the enterprise registry's CSV import)
    headers['Content-Type'] = opts.contentType
    init.body = opts.text
  }
  if (method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = csrfToken()
  if (opts.idempotencyKey) headers['Idempotency-Key'] = opts.idempotencyKey
  let res
  try {
    res = await fetch(path, init)
  } catch (e) {
    throw new ApiError(0, 'network', '无法连接服务器，请检查网络后重试')
  }
  let data = null
  const text = await res.text()
  if (text) {
    try {
      data = JSON.parse(text)
    } catch (e) {
      data = null
    }
  }
  if (res.status === 401 && !opts.noReauth && reauth && !opts.retried) {
    await reauth()
    return request(method, path, { ...opts, retried: true })
  }
  if (!res.ok) {
    const err = (data && data.error) || {}
    throw new ApiError(res.status, err.code || 'http.' + res.status, err.message || '请求失败（' + res.status + '）', err.field)
  }
  return data
}

export const api = {
  get: (path, params) => request('GET', path + qs(params)),
  post: (path, body, opts = {}) => request('POST', path, { ...opts, body }),
  patch: (path, body) => request('PATCH', path, { body }),
  put: (path, body) => request('PUT', path, { body }),
  postText: (path, text, contentType) => request('POST', path, { text, contentType }),
  // A create that may be retried (after a sign-in again, or a network
  // failure) without making a second case: one key per form submission.
  create: (path, body, key) => request('POST', path, { body, idempotencyKey: key || newKey() }),
  newKey,
}
