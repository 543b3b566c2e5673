import type { Readable } from 'node:stream'
import { StringDecoder } from 'node:string_decoder'

/** Lines of a UTF-8 stream (without their `\n`); destroys the stream when the consumer stops early. */
export async function* linesOf(stream: Readable): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8')
  let rest = ''
  try {
    for await (const chunk of stream) {
      const text = rest + decoder.write(chunk as Buffer)
      let start = 0
      let end = text.indexOf('\n', start)
      while (end !== -1) {
        yield text.slice(start, end)
        start = end + 1
        end = text.indexOf('\n', start)
      }
      rest = text.slice(start)
    }
    rest += decoder.end()
    if (rest.length > 0) yield rest
  } finally {
    stream.destroy()
  }
}

/** The rows of a JSON-lines stream, one object per non-empty line. */
export async function* jsonRowsOf(stream: Readable): AsyncGenerator<Record<string, unknown>> {
  for await (const line of linesOf(stream)) {
    if (line.length > 0) yield JSON.parse(line) as Record<string, unknown>
  }
}
