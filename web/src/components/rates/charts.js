// The rates panels' chart look (light, or the wall display's dark), and the
// horizontal bar chart they share (categories, channels, states, units):
// one place, so the hotline's and the grid events' charts look alike.

export const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#65a30d']
export const PALETTE_DARK = ['#60a5fa', '#4ade80', '#fbbf24', '#f87171', '#a78bfa', '#22d3ee', '#f472b6', '#a3e635']

// Colours and sizes shared by every chart.
export function chartLook(wall) {
  return {
    wall: !!wall,
    color: wall ? PALETTE_DARK : PALETTE,
    text: wall ? '#dbe6ff' : '#1f2329',
    sub: wall ? '#9fb3d9' : '#5b6270',
    line: wall ? '#27406e' : '#e5e7eb',
    font: wall ? 15 : 12,
  }
}

// What every chart option starts with.
export function chartBase(l) {
  return {
    color: l.color,
    backgroundColor: 'transparent',
    textStyle: { color: l.text, fontSize: l.font, fontFamily: "'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif" },
    tooltip: { trigger: 'item', confine: true, textStyle: { fontSize: l.font } },
    animation: !l.wall,
  }
}

export function axisStyle(l) {
  return {
    axisLine: { lineStyle: { color: l.line } },
    axisLabel: { color: l.sub, fontSize: l.font },
    splitLine: { lineStyle: { color: l.line } },
  }
}

// Horizontal bars of items [{name, value, code}], busiest as given; each
// bar carries its code for a click-through.
export function hbar(l, items, { name, color, unit = '' }) {
  const base = chartBase(l)
  if (unit) base.tooltip = { ...base.tooltip, formatter: '{b}：{c} ' + unit }
  return {
    ...base,
    grid: { left: 8, right: 36, top: 6, bottom: 6, containLabel: true },
    xAxis: { type: 'value', minInterval: 1, ...axisStyle(l), axisLabel: { show: false }, splitLine: { show: false } },
    yAxis: { type: 'category', inverse: true, data: items.map((i) => i.name), ...axisStyle(l), axisTick: { show: false } },
    series: [{
      name, type: 'bar', barMaxWidth: l.wall ? 22 : 16, cursor: 'pointer',
      data: items.map((i) => ({ value: i.value, code: i.code })),
      itemStyle: { color, borderRadius: [0, 3, 3, 0] },
      label: { show: true, position: 'right', color: l.text, fontSize: l.font },
    }],
  }
}
