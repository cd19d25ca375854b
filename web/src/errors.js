// API errors as people read them: a Chinese sentence, and for a field error
// the field it belongs beside. The server's messages are already Chinese
// (API.md); this adds the cases a browser meets that the server never says
// (no network, a stale version) and maps error fields onto form fields.

const BY_CODE = {
  network: '无法连接服务器，请检查网络后重试',
  'case.version_conflict': '工单已被他人更新，请刷新后重试',
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
// aliases maps those to the form's names where they differ.
export function fieldErrors(err, formFields, aliases = {}) {
  const out = {}
  if (!err || !err.field) return out
  const f = aliases[err.field] || err.field
  if (formFields.includes(f)) out[f] = errorText(err)
  else {
    const head = f.split('.')[0]
    if (formFields.includes(head)) out[head] = errorText(err)
  }
  return out
}
