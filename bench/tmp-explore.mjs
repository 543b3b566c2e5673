import Database from 'libsql'
const db = new Database(process.argv[2])
const vocab = []; const syl = ['ka','lo','mi','ne','ru','sa','te','vo','zi','pa','do','fu']
for (const a of syl) for (const b of syl) for (const c of syl) for (const d of syl) vocab.push(a+b+c+d)
const w = vocab[3]
const time = (label, stmt, ...args) => { const p = db.prepare(stmt); p.all(...args); const t = performance.now(); for (let i = 0; i < 5; i++) p.all(...args); console.log(label, ((performance.now() - t) / 5).toFixed(1), 'ms') }
const m = `"${w}"`
time('fts count', `select count(*) from lib_search where lib_search match ?`, m)
time('raw bm25', `select rowid from lib_search where lib_search match ? order by rank limit 10`, m)
time('join d count', `select count(*) from lib_search join lib_documents d on d.search_rowid = lib_search.rowid where lib_search match ? and d.tenant_id = 'ten_bench'`, m)
time('join d + postings sum', `select sum((select p.tf_body from lib_postings p where p.tenant_id = 'ten_bench' and p.term = ? and p.document_id = d.id)) from lib_search join lib_documents d on d.search_rowid = lib_search.rowid where lib_search match ? and d.tenant_id = 'ten_bench'`, w, m)
time('join d + postings order', `select d.id, (select 1.5 * p.tf_body / (0.25 + 0.01 * d.body_len) from lib_postings p where p.tenant_id = 'ten_bench' and p.term = ? and p.document_id = d.id) as s from lib_search join lib_documents d on d.search_rowid = lib_search.rowid where lib_search match ? and d.tenant_id = 'ten_bench' order by s desc, d.id limit 11`, w, m)
time('postings only order', `select p.document_id, 1.5 * p.tf_body / (0.25 + 0.01) as s from lib_postings p where p.tenant_id = 'ten_bench' and p.term = ? order by s desc, p.document_id limit 11`, w)
