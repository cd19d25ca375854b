// Discipline supervision campaigns in the browser (专项监督检查,
// docs/campaign.md): the figures as the seed prints them, the days of a
// campaign's period, visits grouped by day, and the create form's body.

// "开展监督检查 N 次，发现问题 N 个，推动解决 N 个，约谈提醒 N 人"
export function figuresSentence(f) {
  if (!f) return ''
  return `开展监督检查 ${f.visits} 次，发现问题 ${f.problems} 个，推动解决 ${f.solved} 个，约谈提醒 ${f.warnings} 人`
}

// The rest of the figures, for the line under the sentence.
export function figuresDetail(f) {
  if (!f) return ''
  const parts = [`其中“四不两直” ${f.unannounced} 次`, `正在整改 ${f.open} 个`]
  if (f.overdue) parts.push(`逾期未整改 ${f.overdue} 个`)
  return parts.join('，')
}

// Today in Asia/Shanghai as YYYY-MM-DD (the server's day).
export function shanghaiToday(ms = Date.now()) {
  return new Date(ms + 8 * 3600e3).toISOString().slice(0, 10)
}

function addDays(day, n) {
  const d = new Date(day + 'T00:00:00Z')
  d.setUTCDate(d.getUTCDate() + n)
  return d.toISOString().slice(0, 10)
}

// The days of the period up to today, newest first (at most 366).
export function periodDays(startsOn, endsOn, today = shanghaiToday()) {
  const out = []
  if (!startsOn || !endsOn) return out
  let d = endsOn < today ? endsOn : today
  while (d >= startsOn && out.length < 366) {
    out.push(d)
    d = addDays(d, -1)
  }
  return out
}

// Visits (newest first from the server) as [{day, visits}] newest day first,
// each day's visits in time order.
export function visitsByDay(visits) {
  const days = new Map()
  for (const v of visits || []) {
    if (!days.has(v.day)) days.set(v.day, [])
    days.get(v.day).push(v)
  }
  return [...days.entries()]
    .sort((a, b) => (a[0] < b[0] ? 1 : -1))
    .map(([day, vs]) => ({ day, visits: vs.slice().sort((a, b) => (a.visited_at < b.visited_at ? -1 : 1)) }))
}

// "jw2, jw3，jw4 、 jw5" → ['jw2', 'jw3', 'jw4', 'jw5']
export function splitLogins(text) {
  return String(text || '').split(/[\s,，、;；]+/).filter(Boolean)
}

// The POST /api/v1/campaigns body from the form.
export function campaignBody(form) {
  return {
    title: form.title,
    starts_on: form.period && form.period[0] ? form.period[0] : '',
    ends_on: form.period && form.period[1] ? form.period[1] : '',
    focus: (form.focus || []).map((x) => x.trim()).filter(Boolean),
    targets: (form.targets || []).filter(Boolean),
    groups: (form.groups || []).map((g) => ({ name: g.name, leader: g.leader.trim(), members: splitLogins(g.members) })),
  }
}

// "09:30" from an ISO time with its +08:00 offset.
export function clock(iso) {
  return iso ? String(iso).slice(11, 16) : ''
}
