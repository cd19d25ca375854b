// API errors as people read them: a Chinese sentence, and for a field error
// the field it belongs beside. The server's messages are already Chinese
// (API.md); this adds the cases a browser meets that the server never says
// (no network, a stale version) and maps error fields onto form fields.

const BY_CODE = {
  network: '无法连接服务器，请检查网络后重试',
  'case.version_conflict': '工单已被他人更新，请刷新后重试',
  'idempotency.conflict': '上一次提交可能已经登记成功，但内容与这次不同，请先核对再决定是否重新提交',
  'auth.csrf': '页面已过期，请刷新页面后重试',
  'auth.forbidden': '没有执行此操作的权限',
  'rate.limited': '操作过于频繁，请稍后再试',
}

const BY_STATUS = {
  0: BY_CODE.network,
  403: '没有执行此操作的权限',
  404: '要找的内容不存在或无权查看',
  409: '状态已变化，请刷新后重试',
  413: '提交的内容过大',
  429: '操作过于频繁，请稍后再试',
  503: '服务暂时不可用，已提交的内容未保存，请稍后重试',
}

// The message to show for err (an ApiError or anything thrown).
export function errorText(err) {
  if (!err) return ''
  if (err.code && BY_CODE[err.code] && !(err.message && err.status >= 400 && /[\u4e00-\u9fff]/.test(err.message)))
    return BY_CODE[err.code]
  if (err.message && /[\u4e00-\u9fff]/.test(err.message)) return err.message
  if (err.status !== undefined && BY_STATUS[err.status]) return BY_STATUS[err.status]
  return '操作失败，请稍后重试'
}

// Map an error onto a form: {field: message} for the form's own field names.
// The server names nested fields with dots ("reporter.phone", "location.lat");
// aliases maps those to the form's names where they differ. labels
// ({formField: 标签}) turns the server's "reason 最多 2000 个字" into
// "理由最多 2000 个字" and "缺少字段 reason" into "请填写理由".
export function fieldErrors(err, formFields, aliases = {}, labels = {}) {
  const out = {}
  if (!err || !err.field) return out
  let f = aliases[err.field] || err.field
  if (!formFields.includes(f)) {
    const head = f.split('.')[0]
    if (formFields.includes(aliases[head] || head)) f = aliases[head] || head
    else return out
  }
  out[f] = labelled(err, labels[err.field] || labels[f])
  return out
}

const BY_REQUIRED = '缺少必填字段'

function labelled(err, label) {
  const text = errorText(err)
  if (!label || !err.field) return text
  const raw = err.field
  const leaf = raw.split('.').pop()
  if (text === '缺少字段 ' + raw || text === '缺少字段 ' + leaf || (err.code === 'field.required' && text === BY_REQUIRED))
    return '请填写' + label
  for (const n of [raw, leaf]) if (text.startsWith(n + ' ')) return label + text.slice(n.length + 1)
  return text
}


// A stale version: the page should offer to reload the case.
export function isStale(err) {
  return !!err && (err.code === 'case.version_conflict' || err.code === 'case.action_not_allowed')
}
