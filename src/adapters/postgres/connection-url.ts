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
  return { connectionString: withStartupOption(url.toString(), `-c search_path=${schema}`), schema }
}

/** The URL with `option` (such as `-c name=value`) added to the connections' startup `options`. */
export function withStartupOption(connectionString: string, option: string): string {
  const url = new URL(connectionString)
  url.searchParams.set('options', [url.searchParams.get('options'), option].filter(Boolean).join(' '))
  return url.toString()
}
