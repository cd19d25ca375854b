// The 通知与推送 page's logic (pages/NotificationsPage.vue,
// docs/notifications.md): the event kinds a webhook may subscribe to, as
// options named in Chinese; the queue's states; the URL check the server
// makes, said before the request so the admin sees it at the field.

export const STATE_LABELS = { pending: '待投递', delivered: '已投递', dead: '投递失败' }
export const STATE_TAGS = { pending: 'warning', delivered: 'success', dead: 'danger' }
export const CHANNEL_LABELS = { webhook: '推送（webhook）', sms: '短信' }

// The engine's own events on a case (core/webhooks.c engine_kinds).
export const ENGINE_KINDS = [
  ['case.create', '登记'],
  ['case.timer.warning', '临期预警'],
  ['case.timer.overdue', '超期'],
  ['case.attachment.add', '添加附件'],
  ['case.document.issue', '出具电子文书'],
  ['case.document.revoke', '撤销电子文书'],
  ['case.interview.add', '记录约谈'],
  ['case.follow_parent', '随主件办结'],
  ['case.import.status', '导入状态'],
  ['case.import.history', '导入流转记录'],
]

// Options for the kinds picker from the matter types (each {code, name,
// actions:[{code,name}]}): "*" first, the engine's events, then each
// action once, labelled with its name in each type that has it.
export function kindOptions(types) {
  const out = [{ code: '*', label: '全部工单事件' }]
  const seen = new Map()
  for (const [code, label] of ENGINE_KINDS) {
    seen.set(code, { code, label, types: [] })
  }
  for (const t of types || []) {
    for (const a of t.actions || []) {
      if (/\.(read|view|list|export)$/.test(a.code)) continue // records of reading are never sent
      const code = 'case.' + a.code
      let o = seen.get(code)
      if (!o) {
        o = { code, label: a.name || a.code, types: [] }
        seen.set(code, o)
      }
      if (t.name && !o.types.includes(t.name)) o.types.push(t.name)
    }
  }
  for (const o of seen.values()) {
    out.push({ code: o.code, label: o.label, hint: o.types.length ? o.types.join('、') : '各类事项' })
  }
  return out
}

// A kind's name for a tag: the option's label, else the code itself.
export function kindLabel(code, options) {
  const o = (options || []).find((x) => x.code === code)
  return o ? o.label : code
}

// What is wrong with a webhook URL, in the words the server would use, or ''.
export function urlProblem(url) {
  const u = (url || '').trim()
  if (!u) return '请填写推送地址'
  if (u.length > 2048) return '推送地址至多 2048 个字符'
  if (!/^https?:\/\//i.test(u)) return '推送地址须以 http:// 或 https:// 开头'
  if (/[^\x21-\x7e]|#/.test(u)) return '推送地址只能含可见的 ASCII 字符（中文请先按 URL 编码），不能有空格和 #'
  const rest = u.replace(/^https?:\/\//i, '')
  if (!rest || '/?@:'.includes(rest[0])) return '推送地址缺少主机名'
  const authority = rest.split(/[/?]/)[0]
  if (authority.includes('@')) return '推送地址不能含用户名或密码（接收方用签名核验来源）'
  return ''
}

// An ISO time as "YYYY-MM-DD HH:MM:SS" (Beijing time as sent), or '—'.
export function fmtTime(s) {
  return s ? String(s).slice(0, 19).replace('T', ' ') : '—'
}
