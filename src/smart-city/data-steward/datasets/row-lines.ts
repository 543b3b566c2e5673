/**
 * The JSON line (with its `\n`) of a row given as JSON texts aligned to `names`: the object that assigning each
 * value to its name in turn makes (a repeated name keeps its first place and its last value), as `JSON.stringify`
 * writes it but for the values' own texts. Each key's `"name":` is serialised once, so a row costs no object and
 * no stringify of its keys. A missing value is null.
 */
export function jsonValuesLine(names: readonly string[]): (jsonValues: readonly string[]) => string {
  const lastPlace = new Map<string, number>()
  names.forEach((name, place) => lastPlace.set(name, place))
  const places = [...lastPlace.values()]
  const keys = [...lastPlace.keys()].map((name, i) => `${i === 0 ? '{' : ','}${JSON.stringify(name)}:`)
  const count = keys.length
  if (count === 0) return () => '{}\n'
  return (jsonValues) => {
    let line = ''
    for (let i = 0; i < count; i++) line += keys[i]! + (jsonValues[places[i]!] ?? 'null')
    return `${line}}\n`
  }
}
