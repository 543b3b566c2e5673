import { readFileSync } from 'node:fs'

/** The package version, read once; this file sits two levels below package.json in both src/ and dist/. */
export const platformVersion: string = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version
