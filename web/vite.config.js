// Vite builds the UI into web/dist, which `civicloop serve` serves from /.
// Nothing is inlined into index.html, so the server's Content-Security-Policy
// needs no 'unsafe-inline' for scripts (docs/ui.md).
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  plugins: [vue()],
  base: '/',
  // `npx vite` during development: the API of a running `civicloop serve`.
  server: {
    proxy: {
      '/api': process.env.CIVICLOOP_API || 'http://127.0.0.1:8080',
    },
  },
  build: {
    outDir: process.env.CIVICLOOP_WEB_OUT || 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1500,
    rollupOptions: {
      output: {
        manualChunks(id) {
          if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender')) return 'echarts'
          if (id.includes('node_modules/leaflet')) return 'leaflet'
          if (id.includes('node_modules/element-plus') || id.includes('node_modules/@element-plus')) return 'element'
          if (id.includes('node_modules/')) return 'vendor'
        },
      },
    },
  },
  test: {
    include: ['tests/**/*.test.js'],
    environment: 'node',
  },
})
