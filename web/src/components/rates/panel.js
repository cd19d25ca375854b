// What a rates panel (components/rates/*.vue) tells the dashboard shell —
// its loading, the scope the server resolved, its error, when it was
// refreshed — and its load of GET /api/v1/stats/{type} for the panel's
// period and scope, the last call winning. state: reactive {loading, error,
// stats, refreshedAt}; fetch() → the stats answer; failText names the panel
// in the error.
import { errorText } from '../../errors.js'

export function statsPanel(state, props, emit, fetch, failText) {
  function report() {
    emit('state', {
      loading: state.loading,
      org: state.stats ? state.stats.org : null,
      root: !props.org,
      error: state.error,
      fieldErr: {},
      refreshedAt: state.refreshedAt
        ? state.refreshedAt.toLocaleTimeString('zh-CN', { hour: '2-digit', minute: '2-digit', hour12: false, timeZone: 'Asia/Shanghai' })
        : '',
    })
  }
  let seq = 0
  async function load() {
    const my = ++seq
    state.loading = true
    state.error = ''
    report()
    try {
      const s = await fetch()
      if (my !== seq) return
      state.stats = s
      state.refreshedAt = new Date()
    } catch (e) {
      if (my !== seq) return
      state.error = failText + errorText(e)
    } finally {
      if (my === seq) {
        state.loading = false
        report()
      }
    }
  }
  return { load, report }
}
