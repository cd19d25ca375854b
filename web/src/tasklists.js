// Published task lists in the browser (docs/task.md): the leader levels in
// the type's order, and a server-paged list kept as a stack of cursors
// (上一页/下一页), shared by the owner's page (/tasks) and the public page
// (/public/tasks).
import { reactive } from 'vue'

export const LEVELS = ['市级', '县级', '部门负责人']

// "县级领导领办" / "部门负责人领办": how a level reads on a list
export const levelLead = (level) => level + (level === '部门负责人' ? '' : '领导') + '领办'

// fetchPage(cursor) → {items, next_cursor, ...}; onPage(answer) sees the
// whole answer (a list's figures come with its items); onError(err).
export function cursorPager(fetchPage, { onPage = () => {}, onError = () => {} } = {}) {
  const p = reactive({ rows: [], next: null, stack: [], cursor: null, loading: false })
  async function load(cursor = null, back = false) {
    p.loading = true
    try {
      const r = await fetchPage(cursor)
      if (!back && cursor) p.stack.push(p.cursor)
      p.cursor = cursor
      p.rows = r.items
      p.next = r.next_cursor
      onPage(r)
    } catch (e) {
      onError(e)
    } finally {
      p.loading = false
    }
  }
  p.load = load
  p.first = () => {
    p.stack = []
    return load(null, true)
  }
  p.prev = () => load(p.stack.pop() || null, true)
  p.nextPage = () => load(p.next)
  return p
}
