/**
 * Conductor's `${...}` references and parameter maps, rewritten as JSONata over the native expression context:
 * `${workflow.input.x}` → `input.x`, `${ref.output.y}` → `steps.ref.output.y`, `${ref.input.y}` →
 * `steps.ref.input.y`, `${workflow.variables.z}` → `variables.z`, `${workflow.workflowId}` → `execution.id`.
 * A string mixing text and references becomes a concatenation; objects and arrays become constructors.
 */
export class UnsupportedReference extends Error {}

const identifier = /^[A-Za-z_$][A-Za-z0-9_]*$/

/** A JSONata path from plain segments; numeric segments index arrays, odd names are quoted in backticks. */
export function jsonataPath(segments: string[]): string {
  return segments
    .map((segment, index) => {
      if (/^\d+$/.test(segment) && index > 0) return `[${segment}]`
      const name = identifier.test(segment) ? segment : `\`${segment.replace(/`/g, '')}\``
      return index === 0 ? name : `.${name}`
    })
    .join('')
    .replace(/\.\[/g, '[')
}

export function splitPath(path: string): string[] {
  const segments: string[] = []
  for (const part of path.split('.')) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part)
    if (!match) throw new UnsupportedReference(`"${path}" is not a supported reference path`)
    if (match[1]) segments.push(match[1])
    for (const index of match[2]!.matchAll(/\[(\d+)\]/g)) segments.push(index[1]!)
  }
  return segments
}

/** `refs` maps Conductor task reference names to native step ids. */
export function referenceToJsonata(path: string, refs: ReadonlyMap<string, string>): string {
  const [root, section, ...rest] = splitPath(path.trim())
  if (root === 'workflow') {
    if (section === 'input') return jsonataPath(['input', ...rest])
    if (section === 'variables') return jsonataPath(['variables', ...rest])
    if (section === 'workflowId') return 'execution.id'
    throw new UnsupportedReference(`\${${path}}: workflow.${section ?? ''} is not supported`)
  }
  const stepId = root === undefined ? undefined : refs.get(root)
  if (stepId === undefined)
    throw new UnsupportedReference(`\${${path}}: no task with reference name "${root}"`)
  if (section !== 'output' && section !== 'input') {
    throw new UnsupportedReference(`\${${path}}: only .output and .input of a task can be referenced`)
  }
  return jsonataPath(['steps', stepId, section, ...rest])
}

export function valueToJsonata(value: unknown, refs: ReadonlyMap<string, string>): string {
  if (typeof value === 'string') return stringToJsonata(value, refs)
  if (Array.isArray(value)) return `[${value.map((v) => valueToJsonata(v, refs)).join(', ')}]`
  if (typeof value === 'object' && value !== null) {
    const fields = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}: ${valueToJsonata(v, refs)}`)
    return `{${fields.join(', ')}}`
  }
  return JSON.stringify(value ?? null)
}

function stringToJsonata(text: string, refs: ReadonlyMap<string, string>): string {
  const pattern = /\$\{([^}]*)\}/g
  const whole = /^\$\{([^}]*)\}$/.exec(text)
  if (whole) return referenceToJsonata(whole[1]!, refs)
  const parts: string[] = []
  let last = 0
  for (const match of text.matchAll(pattern)) {
    if (match.index > last) parts.push(JSON.stringify(text.slice(last, match.index)))
    parts.push(`$string(${referenceToJsonata(match[1]!, refs)})`)
    last = match.index + match[0].length
  }
  if (parts.length === 0) return JSON.stringify(text)
  if (last < text.length) parts.push(JSON.stringify(text.slice(last)))
  return parts.join(' & ')
}
