// Writes a gzip twin (name.gz) beside every text file of the build that is
// worth compressing; `civicloop serve` sends it to clients that accept gzip
// (src/http/web.c), so the server never compresses at run time.
import { readdirSync, readFileSync, writeFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync, constants } from 'node:zlib'

const root = process.argv[2] || 'dist'
const TEXT = /\.(js|mjs|css|html|svg|json|map|txt)$/
let files = 0, before = 0, after = 0

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    const st = statSync(p)
    if (st.isDirectory()) walk(p)
    else if (TEXT.test(name) && st.size >= 1024) {
      const raw = readFileSync(p)
      const gz = gzipSync(raw, { level: constants.Z_BEST_COMPRESSION })
      if (gz.length < raw.length * 0.9) {
        writeFileSync(p + '.gz', gz)
        files++
        before += raw.length
        after += gz.length
      }
    }
  }
}
walk(root)
console.log(`gzip: ${files} files, ${(before / 1024).toFixed(0)} KiB → ${(after / 1024).toFixed(0)} KiB`)
