// Pages and who may open them. Each page is loaded when first opened, so the
// sign-in page and the public pages carry none of the dashboard's weight.
import { createRouter, createWebHistory } from 'vue-router'
import { ElMessage } from 'element-plus'
import { session, loadSession, homeFor, hasRole } from './session.js'

const STAFF = null // any signed-in account

export const routes = [
  { path: '/login', component: () => import('./pages/LoginPage.vue'), meta: { public: true, title: '登录' } },
  { path: '/track', component: () => import('./pages/TrackPage.vue'), meta: { public: true, title: '办理进度查询' } },
  { path: '/public/suggest', component: () => import('./pages/SuggestPage.vue'), meta: { public: true, title: '人民建议征集' } },
  { path: '/public/tasks', component: () => import('./pages/TaskPublicPage.vue'), meta: { public: true, title: '任务清单公开' } },
  { path: '/v/:code', component: () => import('./pages/VerifyPage.vue'), meta: { public: true, title: '电子文书查验' } },
  { path: '/verify', component: () => import('./pages/VerifyPage.vue'), meta: { public: true, title: '电子文书查验' } },
  { path: '/documents/:id/print', component: () => import('./pages/DocumentPrintPage.vue'), meta: { roles: STAFF, title: '电子文书' } },
  { path: '/public/homestead', component: () => import('./pages/HomesteadPublicPage.vue'), meta: { public: true, title: '农村宅基地审批' } },
  { path: '/', component: () => import('./layout/AppShell.vue'), children: [
    { path: '', name: 'home', component: { render: () => null }, meta: { roles: STAFF } },
    { path: 'console', component: () => import('./pages/ConsolePage.vue'), meta: { roles: ['operator', 'dispatcher'], title: '话务登记', nav: true } },
    { path: 'dispatch', component: () => import('./pages/DispatchPage.vue'), meta: { roles: ['dispatcher'], title: '派单待办', nav: true } },
    { path: 'inbox', component: () => import('./pages/InboxPage.vue'), meta: { roles: ['handler', 'unit_lead'], title: '本单位待办', nav: true } },
    { path: 'whistle', component: () => import('./pages/WhistlePage.vue'), meta: { roles: ['handler', 'unit_lead'], title: '吹哨报到', nav: true } },
    { path: 'mediation', component: () => import('./pages/MediationPage.vue'), meta: { roles: ['mediator'], title: '调解工作台', nav: true } },
    { path: 'grid', component: () => import('./pages/GridPage.vue'), meta: { roles: ['grid_worker'], title: '网格巡查', nav: true } },
    { path: 'suggestions', component: () => import('./pages/SuggestionsPage.vue'), meta: { roles: ['dispatcher', 'operator'], title: '人民建议', nav: true } },
    { path: 'supervise', component: () => import('./pages/SupervisePage.vue'), meta: { roles: ['supervisor'], title: '督办回访', nav: true } },
    { path: 'tasks', component: () => import('./pages/TaskListsPage.vue'), meta: { roles: ['unit_lead', 'admin', 'leader', 'supervisor', 'discipline'], title: '任务清单', nav: true } },
    { path: 'hazards', component: () => import('./pages/HazardsPage.vue'), meta: { roles: ['inspector', 'enterprise', 'leader', 'discipline', 'supervisor', 'operator', 'dispatcher', 'admin'], title: '事故隐患', nav: true } },
    { path: 'inspections', component: () => import('./pages/InspectionsPage.vue'), meta: { roles: ['inspector', 'admin'], title: '滚动排查', nav: true } },
    { path: 'campaigns', component: () => import('./pages/CampaignsPage.vue'), meta: { roles: ['discipline', 'discipline_lead', 'admin'], title: '专项监督检查', nav: true } },
    { path: 'campaigns/:id', component: () => import('./pages/CampaignPage.vue'), meta: { roles: ['discipline', 'discipline_lead', 'admin'], title: '专项监督检查' } },
    { path: 'receptions', component: () => import('./pages/ReceptionsPage.vue'), meta: { roles: ['handler', 'unit_lead', 'discipline', 'discipline_lead', 'admin'], title: '公务接待', nav: true } },
    { path: 'dashboard', component: () => import('./pages/DashboardPage.vue'), meta: { roles: ['leader', 'admin', 'supervisor', 'discipline', 'unit_lead'], title: '领导驾驶舱', nav: true } },
    { path: 'cases', component: () => import('./pages/CasesPage.vue'), meta: { roles: STAFF, title: '工单查询', nav: true } },
    { path: 'search', component: () => import('./pages/SearchPage.vue'), meta: { roles: STAFF, title: '全文搜索' } },
    { path: 'cases/:id', component: () => import('./pages/CaseDetailPage.vue'), meta: { roles: STAFF, title: '工单详情' } },
    { path: 'admin/users', component: () => import('./pages/AdminUsersPage.vue'), meta: { roles: ['admin'], title: '用户与角色', nav: true, group: '系统管理' } },
    { path: 'admin/orgs', component: () => import('./pages/AdminOrgsPage.vue'), meta: { roles: ['admin'], title: '组织机构', nav: true, group: '系统管理' } },
    { path: 'admin/apikeys', component: () => import('./pages/AdminApiKeysPage.vue'), meta: { roles: ['admin'], title: 'API 密钥', nav: true, group: '系统管理' } },
    { path: 'admin/catalogue', component: () => import('./pages/AdminCataloguePage.vue'), meta: { roles: ['admin', 'dispatcher', 'operator'], title: '派单目录', nav: true, group: '系统管理' } },
    { path: 'admin/topics', component: () => import('./pages/AdminTopicsPage.vue'), meta: { roles: ['admin'], title: '征集主题', nav: true, group: '系统管理' } },
    { path: 'admin/types', component: () => import('./pages/AdminTypesPage.vue'), meta: { roles: ['admin'], title: '事项类型', nav: true, group: '系统管理' } },
    { path: 'admin/notifications', component: () => import('./pages/NotificationsPage.vue'), meta: { roles: ['admin'], title: '通知与推送', nav: true, group: '系统管理' } },
    { path: 'enterprises', component: () => import('./pages/EnterprisesPage.vue'), meta: { roles: ['inspector', 'admin', 'leader', 'discipline', 'handler', 'unit_lead', 'supervisor'], title: '企业台账', nav: true } },
    { path: 'enterprises/:id', component: () => import('./pages/EnterprisePage.vue'), meta: { roles: STAFF, title: '企业详情' } },
    { path: 'audit', component: () => import('./pages/AuditPage.vue'), meta: { roles: ['admin', 'discipline'], title: '审计链', nav: true } },
    { path: 'homestead', component: () => import('./pages/HomesteadPage.vue'), meta: { roles: ['handler', 'unit_lead'], title: '宅基地审批', nav: true } },
    { path: 'homestead/:id/notice', component: () => import('./pages/HomesteadNoticePage.vue'), meta: { roles: ['handler', 'unit_lead'], title: '一次性告知书' } },
  ] },
  { path: '/:rest(.*)*', component: () => import('./pages/NotFoundPage.vue'), meta: { public: true, title: '页面不存在' } },
]

export function mayOpen(route, user) {
  const roles = route.meta && route.meta.roles
  if (!user) return false
  if (!roles) return true
  return roles.some((r) => user.roles.includes(r))
}

const router = createRouter({ history: createWebHistory(), routes })

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  if (!session.loaded) await loadSession()
  if (!session.user) return { path: '/login', query: { next: to.fullPath } }
  if (to.name === 'home') return homeFor(session.user)
  if (!mayOpen(to, session.user)) {
    // said, not silent: a link from someone else's screen explains itself
    ElMessage({ type: 'warning', message: '无权访问「' + (to.meta.title || to.path) + '」，已转到您的首页', duration: 5000, showClose: true, customClass: 'route-denied' })
    return homeFor(session.user)
  }
  return true
})

router.afterEach((to) => {
  document.title = (to.meta.title ? to.meta.title + ' · ' : '') + '民情闭环'
})

export { hasRole }
export default router
