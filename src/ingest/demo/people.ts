/**
 * Who the demo company's customers are: countries (with their time zones, currency and phone
 * prefix), names in the country's language, companies and contact details. Names deliberately
 * include umlauts, accents and apostrophes, and some company names contain commas and quotes,
 * so the import path's UTF-8 handling and CSV quoting get exercised.
 */
import type { Rng } from '../../stats/random.js';
import { Weighted, chance } from './weighted.js';

type Language = 'de' | 'en' | 'nl' | 'fr' | 'it' | 'es' | 'pl';

export interface Country {
  code: string;
  language: Language;
  currency: 'EUR' | 'GBP' | 'USD' | 'CHF' | 'PLN';
  timeZones: readonly string[];
  phonePrefix: string;
  /** Top-level domain used for made-up company web domains. */
  tld: string;
}

const COUNTRIES: readonly (readonly [Country, number])[] = [
  [{ code: 'DE', language: 'de', currency: 'EUR', timeZones: ['Europe/Berlin'], phonePrefix: '+49', tld: 'de' }, 44],
  [{ code: 'AT', language: 'de', currency: 'EUR', timeZones: ['Europe/Vienna'], phonePrefix: '+43', tld: 'at' }, 10],
  [{ code: 'CH', language: 'de', currency: 'CHF', timeZones: ['Europe/Zurich'], phonePrefix: '+41', tld: 'ch' }, 8],
  [{ code: 'GB', language: 'en', currency: 'GBP', timeZones: ['Europe/London'], phonePrefix: '+44', tld: 'co.uk' }, 9],
  [
    {
      code: 'US',
      language: 'en',
      currency: 'USD',
      timeZones: ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles'],
      phonePrefix: '+1',
      tld: 'com',
    },
    7,
  ],
  [{ code: 'NL', language: 'nl', currency: 'EUR', timeZones: ['Europe/Amsterdam'], phonePrefix: '+31', tld: 'nl' }, 7],
  [{ code: 'FR', language: 'fr', currency: 'EUR', timeZones: ['Europe/Paris'], phonePrefix: '+33', tld: 'fr' }, 6],
  [{ code: 'BE', language: 'nl', currency: 'EUR', timeZones: ['Europe/Brussels'], phonePrefix: '+32', tld: 'be' }, 3],
  [{ code: 'IT', language: 'it', currency: 'EUR', timeZones: ['Europe/Rome'], phonePrefix: '+39', tld: 'it' }, 2],
  [{ code: 'ES', language: 'es', currency: 'EUR', timeZones: ['Europe/Madrid'], phonePrefix: '+34', tld: 'es' }, 2],
  [{ code: 'PL', language: 'pl', currency: 'PLN', timeZones: ['Europe/Warsaw'], phonePrefix: '+48', tld: 'pl' }, 2],
];

export const countries = new Weighted(COUNTRIES);

const FIRST_NAMES: Record<Language, readonly string[]> = {
  de: [
    'Anna', 'Lena', 'Sophie', 'Marie', 'Laura', 'Julia', 'Katharina', 'Sabine', 'Ursula', 'Jürgen',
    'Lukas', 'Jonas', 'Felix', 'Maximilian', 'Thomas', 'Michael', 'Andreas', 'Stefan', 'Björn',
    'Klaus', 'Petra', 'Monika', 'Günther', 'Sören', 'Hannah', 'Leonie', 'Tobias', 'Matthias',
  ],
  en: [
    'Oliver', 'George', 'Harry', 'Jack', 'James', 'Emily', 'Olivia', 'Amelia', 'Isla', 'Sophia',
    'Michael', 'David', 'Sarah', 'Jessica', 'Daniel', 'Matthew', 'Ashley', 'Christopher',
    'Jennifer', 'Robert', 'Megan', 'Ryan', 'Chloe', 'William',
  ],
  nl: [
    'Daan', 'Sem', 'Lucas', 'Levi', 'Finn', 'Emma', 'Julia', 'Tess', 'Sophie', 'Zoë', 'Sanne',
    'Bram', 'Joost', 'Maarten', 'Femke', 'Anouk', 'Ruben', 'Lieke',
  ],
  fr: [
    'Léa', 'Chloé', 'Manon', 'Camille', 'Inès', 'Louis', 'Gabriel', 'Hugo', 'Arthur', 'Jules',
    'Théo', 'Élodie', 'François', 'Aurélie', 'Benoît', 'Céline', 'Mathieu', 'Nicolas',
  ],
  it: ['Giulia', 'Francesca', 'Chiara', 'Marco', 'Luca', 'Matteo', 'Alessandro', 'Sofia', 'Lorenzo', 'Elena'],
  es: ['Lucía', 'María', 'Paula', 'Hugo', 'Pablo', 'Javier', 'Carmen', 'Alejandro', 'Sofía', 'Diego'],
  pl: ['Anna', 'Katarzyna', 'Małgorzata', 'Piotr', 'Krzysztof', 'Tomasz', 'Agnieszka', 'Paweł', 'Zofia', 'Jakub'],
};

const LAST_NAMES: Record<Language, readonly string[]> = {
  de: [
    'Müller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz',
    'Hoffmann', 'Schäfer', 'Koch', 'Bauer', 'Richter', 'Klein', 'Wolf', 'Schröder', 'Neumann',
    'Schwarz', 'Zimmermann', 'Braun', 'Krüger', 'Hofmann', 'Hartmann', 'Lange', 'Werner', 'Krause',
    'Lehmann', 'Köhler', 'Weiß', 'von Berg', 'Groß',
  ],
  en: [
    'Smith', 'Jones', 'Williams', 'Taylor', 'Brown', 'Davies', 'Evans', 'Wilson', 'Thomas',
    'Johnson', 'Roberts', 'Walker', 'Wright', 'Robinson', 'Thompson', 'White', 'Hughes', 'Edwards',
    "O'Brien", "O'Connor", 'Miller', 'Garcia', 'Martinez', 'Anderson', 'Clarke', 'Lewis',
  ],
  nl: [
    'de Jong', 'Jansen', 'de Vries', 'van den Berg', 'van Dijk', 'Bakker', 'Janssen', 'Visser',
    'Smit', 'Meijer', 'de Boer', 'Mulder', 'de Groot', 'Bos', 'Vos', 'Peters', 'Hendriks', 'Dekker',
  ],
  fr: [
    'Martin', 'Bernard', 'Thomas', 'Petit', 'Robert', 'Richard', 'Durand', 'Dubois', 'Moreau',
    'Laurent', 'Simon', 'Michel', 'Lefèvre', 'Leroy', 'Roux', 'Fournier', 'Girard', "d'Arcy",
  ],
  it: ['Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', 'Romano', 'Colombo', 'Ricci', 'Marino', 'Greco'],
  es: ['García', 'Rodríguez', 'González', 'Fernández', 'López', 'Martínez', 'Sánchez', 'Pérez', 'Gómez', 'Ruiz'],
  pl: ['Nowak', 'Kowalski', 'Wiśniewski', 'Wójcik', 'Kowalczyk', 'Kamiński', 'Lewandowski', 'Zieliński', 'Szymański', 'Woźniak'],
};

export interface Person {
  first: string;
  last: string;
  name: string;
}

export function drawPerson(rng: Rng, language: Language): Person {
  const first = rng.pick(FIRST_NAMES[language]);
  const last = rng.pick(LAST_NAMES[language]);
  return { first, last, name: `${first} ${last}` };
}

/** Names shared by the demo company's own staff (a German company with international staff). */
export function drawStaffPerson(rng: Rng): Person {
  return drawPerson(rng, rng.uniform() < 0.75 ? 'de' : 'en');
}

const TRANSLITERATION: Record<string, string> = {
  ä: 'ae', ö: 'oe', ü: 'ue', ß: 'ss', é: 'e', è: 'e', ê: 'e', ë: 'e', à: 'a', á: 'a', â: 'a',
  ç: 'c', í: 'i', ï: 'i', ñ: 'n', ó: 'o', ô: 'o', ú: 'u', ł: 'l', ń: 'n', ś: 's', ź: 'z', ż: 'z',
  ą: 'a', ę: 'e', ć: 'c',
};

/** `Jürgen von Berg` → `juergen.vonberg`-style address parts: ASCII letters only. */
export function slug(text: string): string {
  let out = '';
  for (const ch of text.toLowerCase()) {
    if (ch >= 'a' && ch <= 'z') out += ch;
    else if (ch >= '0' && ch <= '9') out += ch;
    else out += TRANSLITERATION[ch] ?? '';
  }
  return out;
}

const PRIVATE_MAIL_DOMAINS = ['example.com', 'example.net', 'example.org', 'mail.example', 'post.example'];

export function drawEmail(rng: Rng, person: Person, companyDomain: string | null): string {
  const first = slug(person.first);
  const last = slug(person.last);
  const domain = companyDomain ?? rng.pick(PRIVATE_MAIL_DOMAINS);
  switch (rng.int(4)) {
    case 0:
      return `${first}.${last}@${domain}`;
    case 1:
      return `${first.charAt(0)}.${last}@${domain}`;
    case 2:
      return `${first}${last}${rng.int(100)}@${domain}`;
    default:
      // Mixed case happens in real exports; the importer is expected to normalise it.
      return `${person.first.charAt(0).toUpperCase()}${first.slice(1)}.${last}@${domain}`;
  }
}

export function drawPhone(rng: Rng, country: Country): string {
  const area = 10 + rng.int(890);
  let subscriber = '';
  const digits = 6 + rng.int(3);
  for (let i = 0; i < digits; i++) subscriber += String(rng.int(10));
  // Three spellings of the same kind of number, as a CRM accumulates them over the years.
  switch (rng.int(3)) {
    case 0:
      return `${country.phonePrefix} ${area} ${subscriber}`;
    case 1:
      return `${country.phonePrefix}${area}${subscriber}`;
    default:
      return `0${area}/${subscriber}`;
  }
}

const LEGAL_FORMS: Record<Language, readonly string[]> = {
  de: ['GmbH', 'GmbH & Co. KG', 'AG', 'KG', 'e.K.', 'UG (haftungsbeschränkt)'],
  en: ['Ltd', 'Inc.', 'LLC', 'plc', 'Ltd.'],
  nl: ['B.V.', 'N.V.', 'V.O.F.'],
  fr: ['SARL', 'SAS', 'SA'],
  it: ['S.r.l.', 'S.p.A.'],
  es: ['S.L.', 'S.A.'],
  pl: ['sp. z o.o.', 'S.A.'],
};

const TRADES = [
  'Consulting', 'Logistics', 'Media', 'Bau', 'Technik', 'Design', 'Systems', 'Handel', 'Foods',
  'Auto', 'Solutions', 'Medical', 'Immobilien', 'Print', 'Energy', 'Software',
];

export interface Company {
  name: string;
  domain: string;
  industry: string;
}

const INDUSTRIES = new Weighted<string>([
  ['retail', 20],
  ['manufacturing', 15],
  ['professional_services', 15],
  ['hospitality', 10],
  ['healthcare', 10],
  ['it_services', 10],
  ['construction', 8],
  ['logistics', 7],
  ['education', 5],
]);

export function drawCompany(rng: Rng, country: Country, owner: Person): Company {
  const lang = country.language;
  const form = rng.pick(LEGAL_FORMS[lang]);
  let base: string;
  switch (rng.int(5)) {
    case 0: {
      // Partnership names carry a comma, which must survive CSV quoting.
      const partner = rng.pick(LAST_NAMES[lang]);
      base = `${owner.last}, ${partner} & Partner`;
      break;
    }
    case 1:
      base = `${owner.last} ${rng.pick(TRADES)}`;
      break;
    case 2:
      base = chance(rng, 0.3) ? `"${rng.pick(TRADES)} ${owner.last}"` : `${rng.pick(TRADES)} ${owner.last}`;
      break;
    case 3:
      base = `${rng.pick(LAST_NAMES[lang])} & ${owner.last}`;
      break;
    default:
      base = `${owner.last} ${rng.pick(TRADES)} ${rng.pick(TRADES)}`;
  }
  const name = `${base} ${form}`;
  return { name, domain: `${slug(base).slice(0, 24)}.${country.tld}.example`, industry: INDUSTRIES.draw(rng) };
}
