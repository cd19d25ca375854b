// Who is signed in, what they may do, and where their day starts.
import { reactive } from 'vue'
import { api, onReauth } from './api.js'

export const session = reactive({
  user: null, // {id, login, name, org, org_id, roles, grants}
  loaded: false,
  reauthOpen: false, // the sign-in-again dialog (App.vue)
})

let reauthWaiters = []

// An expired session: open the dialog and wait until the user signs in again.
onReauth(() => {
  if (!session.user) {
    // not signed in at all: go to the sign-in page
    window.location.assign('/login?next=' + encodeURIComponent(location.pathname + location.search))
    return new Promise(() => {})
  }
  session.reauthOpen = true
  return new Promise((resolve) => reauthWaiters.push(resolve))
})

export function reauthDone() {
  session.reauthOpen = false
  const w = reauthWaiters
  reauthWaiters = []
  w.forEach((f) => f())
}

export async function loadSession() {
  try {
    const r = await api.get('/api/v1/auth/me')
    session.user = r.user
  } catch (e) {
    session.user = null
  }
  session.loaded = true
  return session.user
}

export async function login(loginName, password) {
  const r = await api.post('/api/v1/auth/login', { login: loginName, password }, { noReauth: true })
  session.user = r.user
  return r.user
}

export async function logout() {
  try {
    await api.post('/api/v1/auth/logout', {}, { noReauth: true })
  } catch (e) {
    /* the session is gone either way */
  }
  session.user = null
}

export function hasRole(...roles) {
  const mine = (session.user && session.user.roles) || []
  return roles.some((r) => mine.includes(r))
}

export const ROLE_NAMES = {
  admin: '系统管理员',
  operator: '话务员',
  dispatcher: '派单员',
  supervisor: '督办员',
  handler: '承办人',
  unit_lead: '单位负责人',
  grid_worker: '网格员',
  mediator: '调解员',
  inspector: '检查员',
  enterprise: '企业',
  leader: '领导',
  discipline: '纪委',
  discipline_lead: '纪委负责人',
  linkage: '110联动',
}

// The page a role's day starts on (its own work queue).
export function homeFor(user) {
  const r = (user && user.roles) || []
  // an enterprise's own account: its enterprise's page (issue 13)
  if (r.length === 1 && r[0] === 'enterprise') return '/enterprises/' + user.org_id
  if (r.includes('operator')) return '/console'
  if (r.includes('dispatcher')) return '/dispatch'
  if (r.includes('supervisor')) return '/supervise'
  if (r.includes('handler') || r.includes('unit_lead')) return '/inbox'
  if (r.includes('grid_worker')) return '/grid'
  if (r.includes('mediator')) return '/mediation'
  if (r.includes('leader')) return '/dashboard'
  if (r.includes('admin')) return '/admin/users'
  return '/cases'
}
