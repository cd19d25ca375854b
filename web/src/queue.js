// A work queue page's state, kept in the URL so a queue can be linked and
// reloaded: the tab (?tab=, else defaultTab) and the filters the person set
// (userKeys), merged into the list's filters as
// {...before, ...the person's, ...the tab's, ...after}.
import { computed, unref } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { cleanFilters } from './deadline.js'

export function useQueueTabs(tabs, defaultTab, userKeys, { before = {}, after = {} } = {}) {
  const route = useRoute()
  const router = useRouter()
  const list = computed(() => unref(tabs))
  const tab = computed(() => (list.value.some((t) => t.name === route.query.tab) ? route.query.tab : defaultTab))
  const current = computed(() => list.value.find((t) => t.name === tab.value))
  const userFilters = computed(() => cleanFilters(Object.fromEntries(userKeys.map((k) => [k, route.query[k]]))))
  const filters = computed(() => cleanFilters({ ...before, ...userFilters.value, ...current.value.filters, ...after }))
  function setTab(name) {
    router.replace({ query: { ...route.query, tab: name } })
  }
  function setFilters(f) {
    const keep = route.query.tab ? { tab: route.query.tab } : {}
    router.replace({ query: { ...keep, ...cleanFilters(f) } })
  }
  return { tab, current, userFilters, filters, setTab, setFilters }
}
