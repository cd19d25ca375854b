// ECharts, tree-shaken: only the line, bar and pie charts, the grid, tooltip
// and legend components and the canvas renderer. ChartPanel.vue imports this
// module dynamically, so a page's own code (and its API requests) runs while
// the ECharts chunk is still arriving and being evaluated.
import { use, init } from 'echarts/core'
import { LineChart, BarChart, PieChart } from 'echarts/charts'
import { GridComponent, TooltipComponent, LegendComponent } from 'echarts/components'
import { CanvasRenderer } from 'echarts/renderers'

use([LineChart, BarChart, PieChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer])

export { init }
