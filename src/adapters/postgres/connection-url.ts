const schemaPattern = /^[a-z_][a-z0-9_]{0,62}$/

/**
 * Splits the adapter's `?schema=<name>` parameter off a PostgreSQL URL. When present, every connection gets it as
 * its search_path through the startup `options` parameter (kept in the URL, because pg lets URL parameters override
 * the pool config). Names are lower-case identifiers, so the unquoted search_path entry means the same schema.
 */
export function parsePostgresUrl(raw: string): { connectionString: string; schema: string | undefined } {
  const url = new URL(raw)
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new Error(`Not a PostgreSQL URL: ${url.protocol}//…`)
  }
  const schema = url.searchParams.get('schema') ?? undefined
  if (schema === undefined) return { connectionString: raw, schema }
  if (!schemaPattern.test(schema)) {
    throw new Error(`The schema parameter must match ${String(schemaPattern)}, got ${JSON.stringify(schema)}`)
  }
  url.searchParams.delete('schema')
  const options = [url.searchParams.get('options'), `-c search_path=${schema}`].filter(Boolean).join(' ')
  url.searchParams.set('options', options)
  return { connectionString: url.toString(), schema }
}
