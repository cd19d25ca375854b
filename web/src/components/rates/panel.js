// What a type's rates panel (DisputeRates, WhistleRates, …) does around its
// figures: load them for the period and scope the shell gives (again when
// those change; a slower answer to an older request is dropped) and tell
// the shell what it shows (the `state` event: loading, the answer's org,
// error, the refresh time). usePanelLoad(props, emit, fetchStats, what) →
// {state, load}; fetchStats() answers the stats (and may fill more of
// state); `what` names the figures in the error ("纠纷调解统计").
import { reactive, watch } from 'vue'
import { errorText } from '../../errors.js'

// The props every rates panel takes from the dashboard shell: the period
// (dates, to inclusive), the scope (an org code; '' = the caller's), the
// wall display, the scope's orgs.
export const PANEL_PROPS = {
  from: { type: String, required: true },
  to: { type: String, required: true },
  org: { type: String, default: '' },
  wall: { type: Boolean, default: false },
  scopeOrgs: { type: Array, default: () => [] },
}

export function usePanelLoad(props, emit, fetchStats, what, extra = {}) {
  const state = reactive({ loading: false, error: '', stats: null, refreshedAt: null, ...extra })
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
      const s = await fetchStats(state, () => my === seq)
      if (my !== seq) return
      state.stats = s
      state.refreshedAt = new Date()
    } catch (e) {
      if (my !== seq) return
      state.error = what + '加载失败：' + errorText(e)
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
