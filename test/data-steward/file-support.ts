import { randomBytes } from 'node:crypto'
import ExcelJS from 'exceljs'
import type { LightMyRequestResponse } from 'fastify'
import type { Platform } from '../../src/platform.js'
import type { Account } from '../support/fixtures.js'

export interface PartSpec {
  name: string
  /** Omitted: a form field rather than a file part. */
  filename?: string
  contentType?: string
  content: Buffer | string
}

export interface FileView {
  id: string
  name: string
  size: number
  contentType: string
  checksum: string
  role: 'data' | 'copybook'
  copybookId: string | null
  createdBy: string
  createdAt: string
}

/** A multipart/form-data body built by hand, so tests control every header of every part. */
export function multipart(parts: PartSpec[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----symphainy-${randomBytes(8).toString('hex')}`
  const chunks: Buffer[] = []
  for (const part of parts) {
    const disposition =
      part.filename === undefined
        ? `form-data; name="${part.name}"`
        : `form-data; name="${part.name}"; filename="${part.filename}"`
    const headers = [`Content-Disposition: ${disposition}`]
    if (part.contentType !== undefined) headers.push(`Content-Type: ${part.contentType}`)
    chunks.push(Buffer.from(`--${boundary}\r\n${headers.join('\r\n')}\r\n\r\n`, 'utf8'))
    chunks.push(Buffer.isBuffer(part.content) ? part.content : Buffer.from(part.content, 'utf8'))
    chunks.push(Buffer.from('\r\n'))
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`))
  return {
    payload: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  }
}

/** HTTP helpers for file suites, through the node's gateway. */
export function filesClient(node: () => Platform) {
  return {
    upload(who: Account, parts: PartSpec[], query = ''): Promise<LightMyRequestResponse> {
      const body = multipart(parts)
      return node().gateway.inject({
        method: 'POST',
        url: `/api/v1/files${query}`,
        headers: { ...who.auth, ...body.headers },
        payload: body.payload,
      })
    },
    async uploadOk(who: Account, parts: PartSpec[]): Promise<FileView> {
      const response = await this.upload(who, parts)
      if (response.statusCode !== 201) throw new Error(`upload: ${response.statusCode} ${response.body}`)
      return response.json<FileView>()
    },
    call(who: Account, method: 'GET' | 'DELETE', url: string) {
      return node().gateway.inject({ method, url, headers: who.auth })
    },
    /** Every object the file store holds for a tenant (bytes left behind show up here). */
    async storedKeys(tenantId: string): Promise<string[]> {
      const page = await node().infra.files.list(`tenants/${tenantId}/`, { limit: 1000 })
      return page.items.map((item) => item.key)
    },
  }
}

export async function xlsxBytes(rows = 3): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook()
  const sheet = workbook.addWorksheet('data')
  sheet.addRow(['id', 'name'])
  for (let i = 1; i <= rows; i++) sheet.addRow([i, `row ${i}`])
  return Buffer.from(await workbook.xlsx.writeBuffer())
}

/** A small but real PDF: header, one empty page, cross-reference table and trailer. */
export function pdfBytes(): Buffer {
  return Buffer.from(
    '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n' +
      '2 0 obj <</Type /Pages /Kids [3 0 R] /Count 1>> endobj\n' +
      '3 0 obj <</Type /Page /Parent 2 0 R /MediaBox [0 0 200 200]>> endobj\n' +
      'trailer <</Root 1 0 R>>\n%%EOF\n',
    'latin1',
  )
}

export const csvType = 'text/csv'
export const xlsxType = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
export const docxType = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'
