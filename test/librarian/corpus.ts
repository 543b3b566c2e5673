import type { DocumentBody } from './support.js'

/**
 * The relevance corpus, generated deterministically: hand-written target documents (each made to win or lose
 * specific queries) among 200 filler documents drawn by a seeded generator from a neutral vocabulary, with a few
 * query words sprinkled through the fillers so document frequencies and length normalisation matter.
 */
const fillerWords = (
  'meeting agenda budget review team project schedule office update member customer service quality process ' +
  'report market sales growth strategy training policy network system data account record contract order ' +
  'delivery invoice product design release version issue feature request response change status summary goal ' +
  'task risk cost price value region unit staff manager partner vendor event week month quarter year morning ' +
  'evening note draft final detail section table figure chart list item topic field level group number'
).split(' ')

function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const sprinkles: [word: string, every: number, at: number][] = [
  ['solar', 20, 1],
  ['panel', 20, 2],
  ['ocean', 20, 3],
  ['battery', 20, 4],
  ['supply', 20, 5],
  ['chain', 20, 6],
  ['tea', 20, 7],
  ['quartz', 7, 0],
]

export function fillerDocuments(count = 200, seed = 42): DocumentBody[] {
  const random = seeded(seed)
  const pick = () => fillerWords[Math.floor(random() * fillerWords.length)]!
  return Array.from({ length: count }, (_, i) => {
    const words = Array.from({ length: 30 + Math.floor(random() * 31) }, pick)
    for (const [word, every, at] of sprinkles) {
      if (i % every === at) words.splice(Math.floor(random() * words.length), 1, word)
    }
    return {
      collection: ['alpha', 'beta', 'gamma'][i % 3]!,
      title: Array.from({ length: 4 }, pick).join(' '),
      body: words.join(' '),
      tags: ['red', 'green', 'blue'].filter((_, t) => (i >> t) & 1),
      metadata: { n: i, region: i % 2 === 0 ? 'north' : 'south' },
    }
  })
}

const doc = (title: string, body: string, extra: Partial<DocumentBody> = {}): DocumentBody => ({
  collection: 'targets',
  title,
  body,
  ...extra,
})

export const targets = {
  solar: doc(
    'Solar panel installation guide',
    'How to mount a solar panel on a roof. Each solar panel needs a clear southern view.',
  ),
  solarRoof: doc(
    'Roof maintenance checklist',
    'Clean the gutters and check the roof tiles. A solar panel can sit on a sound roof.',
  ),
  oceanTitle: doc('Ocean currents', 'A short note on water movement and temperature.'),
  oceanBody: doc('Water movement notes', 'A short note on ocean currents and temperature.'),
  lithium: doc('Lithium battery safety', 'Store every lithium battery cool and dry.'),
  leadAcid: doc('Lead acid battery care', 'Top up a lead acid battery with distilled water.'),
  kayak: doc('Kayak rental prices', 'Rent a kayak by the hour.'),
  canoe: doc('Canoe trips for families', 'Guided canoe trips on the lake.'),
  running: doc('Running shoes review', 'We tested twelve running shoes on trails.'),
  supply: doc(
    'Supply chain resilience',
    'Diversify suppliers to make the supply chain resilient; a supply chain needs slack.',
  ),
  chainOfSupply: doc('Chain of supply depots', 'The depots supply bicycle chain parts.'),
  cafe: doc('Café opening hours', 'The café opens at seven.'),
  email: doc('E-mail etiquette', 'Write short e-mail messages.'),
  tokyo: doc('東京 travel notes', '東京 is large and busy.'),
  falconKickoff: doc('Project falcon kickoff', 'Kickoff for falcon.', { tags: ['falcon', 'urgent'] }),
  falconRetro: doc('Project falcon retro', 'What went well for falcon.', { tags: ['falcon'] }),
  invoiceAcme: doc('Invoice 2041', 'Invoice for acme hardware.', {
    metadata: { customer: 'acme', amount: 1200, paid: true },
  }),
  invoiceGlobex: doc('Invoice 2042', 'Invoice for globex software.', {
    metadata: { customer: 'globex', amount: 300, paid: false },
  }),
  tea: doc('Tea & <biscuits>', 'Green tea pairs with ginger biscuits.'),
  volcano: doc('Volcano facts', 'volcano'),
  geology: doc(
    'Geology compendium',
    `${fillerWords.slice(0, 40).join(' ')} volcano ${fillerWords.slice(40, 80).join(' ')}`,
  ),
  glacierGeo: doc('Glacier formation', 'How a glacier forms.', { collection: 'geo' }),
  glacierTravel: doc('Glacier hikes', 'Walk on a glacier.', { collection: 'travel' }),
  x200: doc('Model X200 specifications', 'The x200 weighs 3 kg.'),
  stateOfTheArt: doc('State of the art review', 'A state of the art design.'),
  zephyr: doc('Zephyr winds', 'A zephyr is a gentle wind.'),
  quartz: doc('Quartz clocks', 'Every quartz clock keeps time.'),
} satisfies Record<string, DocumentBody>

export type Target = keyof typeof targets

/** Queries (as URL query strings) and their expected results: `exact` ids in order, or a `prefix` of them. */
export const relevanceCases: { query: string; exact?: Target[]; prefix?: Target[]; not?: Target[] }[] = [
  { query: 'q=solar panel', exact: ['solar', 'solarRoof'] },
  { query: 'q=ocean', prefix: ['oceanTitle', 'oceanBody'] },
  { query: 'q=battery -lithium', prefix: ['leadAcid'], not: ['lithium'] },
  { query: 'q=kayak OR canoe', exact: ['kayak', 'canoe'] },
  { query: 'q=run shoe', exact: ['running'] },
  { query: 'q=runs', exact: ['running'] },
  { query: 'q="supply chain"', exact: ['supply'] },
  { query: 'q=supply chain', exact: ['supply', 'chainOfSupply'] },
  { query: 'q=CAFÉ', exact: ['cafe'] },
  { query: 'q=ｃａｆé', exact: ['cafe'] },
  { query: 'q=cafe\u0301', exact: ['cafe'] },
  { query: 'q=e-mail', exact: ['email'] },
  { query: 'q=東京', exact: ['tokyo'] },
  { query: 'q=falcon&tag=urgent', exact: ['falconKickoff'] },
  { query: 'q=falcon&tag=falcon&tag=urgent', exact: ['falconKickoff'] },
  { query: 'q=invoice&metadata.customer=acme', exact: ['invoiceAcme'] },
  { query: 'q=invoice&metadata.paid=false', exact: ['invoiceGlobex'] },
  { query: 'q=invoice&metadata.amount=1200&metadata.paid=true', exact: ['invoiceAcme'] },
  { query: 'q=volcano', exact: ['volcano', 'geology'] },
  { query: 'q=glacier&collection=travel', exact: ['glacierTravel'] },
  { query: 'q=x200', exact: ['x200'] },
  { query: 'q="state of the art"', exact: ['stateOfTheArt'] },
  { query: 'q=zephyr OR quartz', prefix: ['zephyr', 'quartz'] },
  { query: 'q=tea biscuits', exact: ['tea'] },
  { query: 'q="ocean currents"', exact: ['oceanTitle', 'oceanBody'] },
  { query: 'q=lithium -battery', exact: [] },
  // Plain words in several groups (an OR group beside a required word, two OR groups, a word in two groups).
  { query: 'q=solar OR ocean panel', exact: ['solar', 'solarRoof'] },
  { query: 'q=kayak OR canoe rent OR guided', exact: ['kayak', 'canoe'] },
  { query: 'q=quartz OR zephyr quartz&collection=targets', exact: ['quartz'] },
]
