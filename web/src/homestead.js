// Rural homestead approval (宅基地审批, docs/homestead.md): what the window's
// page, the 一次性告知书 and the public page compute. Pure JS: no Vue, no fetch.

// The page's tabs per side: the township's window follows its applications
// by state; a reviewing department its own parts.
export const TOWN_TABS = [
  { name: 'check', label: '待审查受理', params: { status: 'hs_registered' }, note: '已登记的申请：审查材料，齐全的受理并发起联审，不全的一次性告知', empty: '没有待审查的申请' },
  { name: 'missing', label: '待补正', params: { status: 'hs_incomplete' }, note: '已一次性告知、等待申请人补正的申请（补正期间不计时）', empty: '没有待补正的申请' },
  { name: 'review', label: '联审中', params: { status: 'hs_review' }, note: '各部门并联审查中：每个部门的意见和时限', empty: '没有联审中的申请' },
  { name: 'decide', label: '待审批', params: { status: 'hs_decide' }, note: '各部门均已答复：批准（核发农村宅基地批准书）、不予批准或退回补正', empty: '没有待审批的申请' },
  { name: 'build', label: '放样与验收', params: { status: 'hs_approved,hs_sited' }, note: '已批准的申请：开工前放样（定点），竣工后验收，均须上传现场照片', empty: '没有待放样或验收的申请' },
  { name: 'closed', label: '已办结', params: { status: 'hs_completed,hs_refused,hs_withdrawn' }, note: '竣工验收合格、不予批准或撤回的申请', empty: '没有已办结的申请' },
]
export const DEPT_TABS = [
  { name: 'todo', label: '待审查', params: { mine: 1, part: 'pending,hs_signed' }, note: '请本部门联审的宅基地申请：在时限内给出同意、附条件同意或不同意的意见', empty: '没有待审查的申请' },
  { name: 'answered', label: '已答复', params: { mine: 1, part: 'hs_answered' }, note: '本部门已给出意见的申请', empty: '没有已答复的申请' },
]

export function statusTag(s) {
  return {
    hs_registered: 'info', hs_incomplete: 'warning', hs_review: 'primary', hs_decide: 'danger',
    hs_approved: 'success', hs_sited: 'success', hs_completed: 'success', hs_refused: 'info', hs_withdrawn: 'info',
  }[s] || 'info'
}

// The states the application's time limit (the decision's) runs in: after
// the decision, 放样 and 竣工 follow the building, not the limit.
export const TIMED = ['hs_registered', 'hs_incomplete', 'hs_review', 'hs_decide']

// A reviewing department's answer, from its part: the opinion the engine
// keeps (lead_sets_fields) says which of the three it was.
export function verdictOf(a) {
  if (!a || a.status === 'cancelled') return { text: '已取消', cls: 'muted' }
  if (a.status !== 'hs_answered') return { text: a.signed_at ? '审查中' : '待签收', cls: 'muted' }
  if (!a.opinion) return { text: '已答复', cls: 'done' } // a list item: the opinion is on the case
  const o = a.opinion
  if (o.reason) return { text: '不同意', cls: 'no', detail: o.reason }
  if (o.conditions) return { text: '附条件同意', cls: 'cond', detail: o.conditions }
  return { text: '同意', cls: 'yes', detail: o.opinion || '' }
}

// GB 11643: 17 digits, then the check character (0–9 or X).
const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
export function idValid(s) {
  const v = String(s || '').trim().toUpperCase()
  if (!/^\d{17}[\dX]$/.test(v)) return false
  const sum = W.reduce((acc, w, i) => acc + w * Number(v[i]), 0)
  return '10X98765432'[sum % 11] === v[17]
}

// The household rows of the window's form into the create body's parties:
// the applicant first, empty rows left out. Returns {parties, errors}.
export function partiesOf(rows) {
  const parties = []
  const errors = []
  rows.forEach((r, i) => {
    const name = String(r.name || '').trim()
    const id = String(r.id_no || '').trim().toUpperCase()
    const phone = String(r.phone || '').trim()
    if (!name && !id && !phone) return
    const who = i === 0 ? '申请人' : `第 ${i + 1} 位家庭成员`
    if (!name) errors.push(`请填写${who}的姓名`)
    if (i === 0 && !id) errors.push('请填写申请人的身份证号')
    if (id && !idValid(id)) errors.push(`${who}的身份证号不正确（校验位不符）`)
    const p = { role: i === 0 ? 'applicant' : r.role || 'member', name }
    if (phone) p.phone = phone
    if (id) p.id_no = id
    parties.push(p)
  })
  if (!parties.length || parties[0].role !== 'applicant') errors.unshift('请填写申请人')
  return { parties, errors }
}

// The 一次性告知书's lines: every missing item numbered, then the note.
export function noticeLines(fields) {
  const items = (fields && Array.isArray(fields.missing) ? fields.missing : []).map((m, i) => `${i + 1}. ${m}`)
  return items
}

// The atlas entry of a design value, or null (自行委托设计).
export function atlasOf(guide, design) {
  return ((guide && guide.atlas) || []).find((a) => a.name === design) || null
}

// A class's time limit in words ({"workdays": 20} → 20 个工作日).
export function limitText(d) {
  if (!d) return ''
  if (d.workdays) return `${d.workdays} 个工作日`
  if (d.workhours) return `${d.workhours} 个工作小时`
  if (d.hours) return `${d.hours} 小时`
  if (d.minutes) return `${d.minutes} 分钟`
  return ''
}
