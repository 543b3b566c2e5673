/**
 * Distinct counting with bounded memory: exact (a set of 53-bit hashes) up to `exactLimit` distinct values, then a
 * HyperLogLog estimate (2^12 registers, standard error about 1.6%) fed with the same hashes, flagged `approximate`.
 * Exact counts can in principle undercount by hash collisions, which at 53 bits and these limits is negligible.
 */
const registerBits = 12
const registerCount = 1 << registerBits
const rankBits = 21
const two32 = 2 ** 32

/** A 53-bit hash of a string from two independently mixed 32-bit lanes (multiply–xorshift). */
export function hash53(text: string): number {
  let a = 0x9e3779b9
  let b = 0x85ebca6b
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    a = Math.imul(a ^ c, 0x5bd1e995)
    b = Math.imul(b ^ c, 0x27d4eb2f)
  }
  a = Math.imul(a ^ (a >>> 15), 0x2c1b3c6d)
  a = Math.imul(a ^ (a >>> 12), 0x297a2d39) ^ (a >>> 15)
  b = Math.imul(b ^ (b >>> 16), 0x85ebca6b)
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35) ^ (b >>> 16)
  return (b >>> (32 - rankBits)) * two32 + (a >>> 0)
}

/** A stable text form of a JSON value for hashing (strings and numbers of the same digits differ). */
export function valueKey(value: unknown): string {
  return typeof value === 'string' ? `s${value}` : `j${JSON.stringify(value)}`
}

export interface DistinctCounter {
  add(hash: number): void
  count(): number
  readonly approximate: boolean
}

export function createDistinctCounter(exactLimit: number): DistinctCounter {
  let exact: Set<number> | undefined = new Set()
  let registers: Uint8Array | undefined

  const addToSketch = (sketch: Uint8Array, hash: number) => {
    const low = hash % two32
    const high = Math.floor(hash / two32)
    const index = low >>> (32 - registerBits)
    const rest = ((low << registerBits) >>> 0) | 0
    // Rank: leading zeros of the 21 high bits, continued into the unused low bits, plus one.
    const rank = high === 0 ? rankBits + Math.clz32(rest | 1) + 1 : Math.clz32(high) - (32 - rankBits) + 1
    if (rank > sketch[index]!) sketch[index] = rank
  }

  return {
    add(hash) {
      if (exact) {
        exact.add(hash)
        if (exact.size <= exactLimit) return
        registers = new Uint8Array(registerCount)
        for (const h of exact) addToSketch(registers, h)
        exact = undefined
        return
      }
      addToSketch(registers!, hash)
    },
    count() {
      if (exact) return exact.size
      const sketch = registers!
      let sum = 0
      let zeros = 0
      for (const r of sketch) {
        sum += 2 ** -r
        if (r === 0) zeros++
      }
      const alpha = 0.7213 / (1 + 1.079 / registerCount)
      const estimate = (alpha * registerCount * registerCount) / sum
      const corrected =
        estimate <= 2.5 * registerCount && zeros > 0
          ? registerCount * Math.log(registerCount / zeros)
          : estimate
      return Math.round(corrected)
    },
    get approximate() {
      return exact === undefined
    },
  }
}
