import { describe, it, expect, afterEach } from 'vitest'
import { ApiError } from '../src/api.js'
import {
  MAX_BYTES, csrfToken, declaredType, fileProblem, formatSize, isImage, nameProblem, sniffType,
  uploadAttachment, uploadErrorText,
} from '../src/attachments.js'

const PNG_HEAD = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])
const JPEG_HEAD = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46])
const WEBP_HEAD = new Uint8Array([0x52, 0x49, 0x46, 0x46, 1, 0, 0, 0, 0x57, 0x45, 0x42, 0x50])
const PDF_HEAD = new TextEncoder().encode('%PDF-1.7\n')
const EXE_HEAD = new TextEncoder().encode('MZ\x90\x00 program')
const HTML_HEAD = new TextEncoder().encode('<html><script>')

// a File-like object: what the checks read
const file = (name, type, size) => ({ name, type, size })

describe('types', () => {
  it('sniffs the four types by their first bytes', () => {
    expect(sniffType(PNG_HEAD)).toBe('image/png')
    expect(sniffType(JPEG_HEAD)).toBe('image/jpeg')
    expect(sniffType(WEBP_HEAD)).toBe('image/webp')
    expect(sniffType(PDF_HEAD)).toBe('application/pdf')
    expect(sniffType(EXE_HEAD)).toBe(null)
    expect(sniffType(HTML_HEAD)).toBe(null)
    expect(sniffType(PNG_HEAD.subarray(0, 7))).toBe(null)
    expect(sniffType(new TextEncoder().encode('RIFF\x01\0\0\0WAVE'))).toBe(null)
  })
  it('takes the browser\'s type, an alias, or the extension when there is none', () => {
    expect(declaredType(file('a.png', 'image/png', 1))).toBe('image/png')
    expect(declaredType(file('a.jpg', 'image/jpg', 1))).toBe('image/jpeg')
    expect(declaredType(file('扫描件.PDF', '', 1))).toBe('application/pdf')
    expect(declaredType(file('a.gif', 'image/gif', 1))).toBe('image/gif')
    expect(declaredType(file('noext', '', 1))).toBe('')
    expect(isImage('image/webp')).toBe(true)
    expect(isImage('application/pdf')).toBe(false)
  })
})

describe('fileProblem', () => {
  it('accepts a real image or PDF up to 10 MB', () => {
    expect(fileProblem(file('坑洼.png', 'image/png', 1234), PNG_HEAD)).toBe('')
    expect(fileProblem(file('签字版.pdf', 'application/pdf', MAX_BYTES), PDF_HEAD)).toBe('')
  })
  it('refuses other types, in Chinese', () => {
    expect(fileProblem(file('a.gif', 'image/gif', 10), null)).toMatch(/只能上传 JPEG、PNG、WebP 图片或 PDF/)
    expect(fileProblem(file('a.exe', 'application/x-msdownload', 10), EXE_HEAD)).toMatch(/只能上传/)
    expect(fileProblem(file('a.svg', 'image/svg+xml', 10), null)).toMatch(/只能上传/)
  })
  it('refuses a file whose bytes are not its type', () => {
    expect(fileProblem(file('photo.png', 'image/png', 10), EXE_HEAD)).toMatch(/内容与扩展名不符.*PNG 图片/)
    expect(fileProblem(file('photo.jpg', 'image/jpeg', 10), HTML_HEAD)).toMatch(/不是真正的JPEG 图片/)
    expect(fileProblem(file('photo.jpg', 'image/jpeg', 10), PNG_HEAD)).toMatch(/不符/)
  })
  it('refuses past 10 MB and an empty file', () => {
    expect(fileProblem(file('big.png', 'image/png', MAX_BYTES + 1), PNG_HEAD)).toMatch(/超过 10 MB（10\.0 MB）/)
    expect(fileProblem(file('empty.png', 'image/png', 0), new Uint8Array())).toBe('文件是空的')
  })
  it('refuses names the server refuses', () => {
    expect(nameProblem('a'.repeat(200))).toBe('')
    expect(nameProblem('中'.repeat(201))).toMatch(/过长/)
    expect(nameProblem('😀'.repeat(200))).toBe('') // characters, not UTF-16 units
    expect(nameProblem('gpj\u202e.exe')).toMatch(/控制字符/)
    expect(nameProblem('a\tb')).toMatch(/控制字符/)
    expect(nameProblem('   ')).toMatch(/不能为空/)
    expect(nameProblem('a\\b')).toMatch(/不能包含/)
    expect(fileProblem(file('a\u0085.png', 'image/png', 10), PNG_HEAD)).toMatch(/控制字符/)
  })
})

describe('formatSize', () => {
  it('reads like a person writes it', () => {
    expect(formatSize(0)).toBe('0 B')
    expect(formatSize(1023)).toBe('1023 B')
    expect(formatSize(1536)).toBe('1.5 KB')
    expect(formatSize(200 * 1024)).toBe('200 KB')
    expect(formatSize(MAX_BYTES)).toBe('10.0 MB')
    expect(formatSize(-1)).toBe('')
  })
})

describe('uploadAttachment', () => {
  afterEach(() => {
    delete globalThis.document
  })
  it('sends the raw file with its type, the CSRF token and one key per file, even on a retry', async () => {
    globalThis.document = { cookie: 'cl_session=x; cl_csrf=abc%2Fdef' }
    expect(csrfToken()).toBe('abc/def')
    const sent = []
    const fetchImpl = async (url, init) => {
      sent.push({ url, init })
      const status = sent.length === 1 ? 503 : 201
      const body = status === 201
        ? { attachment: { id: 9, name: '井盖 照片.png' } }
        : { error: { code: 'unavailable', message: '写入未能完成（存储不可用），请稍后重试' } }
      return { status, ok: status < 300, text: async () => JSON.stringify(body) }
    }
    const f = new Blob([PNG_HEAD], { type: 'image/png' })
    f.name = '井盖 照片.png'
    await expect(uploadAttachment(7, f, fetchImpl)).rejects.toMatchObject({ status: 503, code: 'unavailable' })
    const a = await uploadAttachment(7, f, fetchImpl)
    expect(a).toEqual({ id: 9, name: '井盖 照片.png' })
    expect(sent[0].url).toBe('/api/v1/cases/7/attachments?name=' + encodeURIComponent('井盖 照片.png'))
    expect(sent[0].init.method).toBe('POST')
    expect(sent[0].init.body).toBe(f)
    expect(sent[0].init.headers['Content-Type']).toBe('image/png')
    expect(sent[0].init.headers['X-CSRF-Token']).toBe('abc/def')
    expect(sent[0].init.headers['Idempotency-Key']).toMatch(/^[0-9a-f]{32}$/)
    expect(sent[1].init.headers['Idempotency-Key']).toBe(sent[0].init.headers['Idempotency-Key'])
    const g = new Blob([PNG_HEAD], { type: 'image/png' })
    g.name = 'other.png'
    await uploadAttachment(7, g, fetchImpl)
    expect(sent[2].init.headers['Idempotency-Key']).not.toBe(sent[0].init.headers['Idempotency-Key'])
  })
  it('turns a network failure into a Chinese message', async () => {
    const f = new Blob([PNG_HEAD], { type: 'image/png' })
    f.name = 'a.png'
    const err = await uploadAttachment(1, f, async () => { throw new TypeError('Failed to fetch') }).catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(uploadErrorText(err)).toMatch(/无法连接服务器，文件未上传/)
  })
})

describe('uploadErrorText', () => {
  it('keeps the server\'s Chinese message, else says it by code or status', () => {
    expect(uploadErrorText(new ApiError(415, 'attachment.bad_type', '文件内容与类型 image/png 不符'))).toBe('文件内容与类型 image/png 不符')
    expect(uploadErrorText(new ApiError(413, 'http.413', ''))).toMatch(/超过 10 MB/)
    expect(uploadErrorText(new ApiError(415, 'http.415', 'Unsupported'))).toMatch(/只能上传/)
    expect(uploadErrorText(new ApiError(409, 'case.action_not_allowed', 'closed'))).toBe('工单已办结，不能再添加附件')
    expect(uploadErrorText(new ApiError(404, 'not_found', ''))).toBe('要找的内容不存在或无权查看')
  })
})

describe('CaseAttachments.vue', () => {
  afterEach(() => {
    delete globalThis.document
  })
  // rendered on the server side of Vue: the template compiles, the hooks are there
  async function render(props) {
    const [{ createSSRApp, h }, { renderToString }, { default: ElementPlus }, { default: CaseAttachments }] = await Promise.all([
      import('vue'), import('vue/server-renderer'), import('element-plus'), import('../src/components/CaseAttachments.vue'),
    ])
    const app = createSSRApp({ render: () => h(CaseAttachments, props) })
    app.use(ElementPlus)
    return renderToString(app)
  }
  it('offers the upload while the case is open and the caller may attach', async () => {
    const html = await render({ caseId: 1, canUpload: true, final: false })
    expect(html).toContain('data-test="attachments"')
    expect(html).toContain('data-test="attachment-upload"')
    expect(html).toContain('单个不超过 10 MB')
  }, 60000) // the first render imports Element Plus whole
  it('says why not on a final case, and offers nothing to a reader', async () => {
    const closed = await render({ caseId: 1, canUpload: true, final: true })
    expect(closed).not.toContain('data-test="attachment-upload"')
    expect(closed).toContain('工单已办结，不能再添加附件')
    const reader = await render({ caseId: 1, canUpload: false, final: false })
    expect(reader).not.toContain('data-test="attachment-upload"')
    expect(reader).not.toContain('工单已办结')
  })
})
