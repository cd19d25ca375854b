// A rates panel's loading (components/rates/*Rates.vue): its state
// ({loading, error, stats, refreshedAt}), load() for the period and scope
// in its props (from, to, org), run again whenever they change, a stale
// answer dropped; and the state the dashboard shell shows around the panel
// (emitted as 'state': loading, the scope the server resolved, errors, the
// refresh time). fetchStats(state) answers the stats (it may keep more in
// state); errorPrefix begins the Chinese message of a failure.
import { reactive, watch } from 'vue'
import { errorText } from '../../errors.js'

export function useRatesPanel(props, emit, fetchStats, errorPrefix) {
  const state = reactive({ loading: false, error: '', stats: null, refreshedAt: null })
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
      const s = await fetchStats(state)
      if (my !== seq) return
      state.stats = s
      state.refreshedAt = new Date()
    } catch (e) {
      if (my === seq) state.error = errorPrefix + errorText(e)
    } finally {
      if (my === seq) {
        state.loading = false
        report()
      }
    }
  }
  watch(() => [props.from, props.to, props.org], () => load(), { immediate: true })
  return { state, load }
}
