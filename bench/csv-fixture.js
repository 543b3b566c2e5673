// The CSV the parsing benchmarks read: about `sizeMb` MB of seven columns (integer id, text, two-decimal amount,
// boolean, ISO date, a leading-zero code that must stay text, a note quoted with escaped quotes in 10% of rows and
// empty in another 10%), from a fixed seed so every run parses the same bytes.
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'

export async function writeBenchCsv(path, sizeMb) {
  const out = createWriteStream(path)
  out.write('id,customer,amount,active,ordered,code,note\n')
  const target = sizeMb * 1024 * 1024
  let written = 0
  let id = 0
  let seed = 42
  const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
  while (written < target) {
    let chunk = ''
    for (let i = 0; i < 1000; i++) {
      id++
      const r = random()
      const day = String(1 + Math.floor(r * 28)).padStart(2, '0')
      const note = r < 0.1 ? `"said ""hi"", then left"` : r < 0.2 ? '' : `note ${Math.floor(r * 1e6)}`
      chunk += `${id},Customer ${Math.floor(r * 50000)},${(r * 10000).toFixed(2)},${r < 0.5},2024-03-${day},${String(Math.floor(r * 1e5)).padStart(6, '0')},${note}\n`
    }
    written += Buffer.byteLength(chunk)
    if (!out.write(chunk)) await once(out, 'drain')
  }
  out.end()
  await once(out, 'finish')
}
