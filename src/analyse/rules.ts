/**
 * Reason-mapping rules: free-text cancellation reasons → codes of the reason catalogue. Pure (no I/O); the
 * rules themselves live in the `reason_rules` table (seeded with DEFAULT_REASON_RULES by migration 0005) and
 * are edited with `winback reasons rules add|remove`.
 *
 * - Rules are tried in order of `position` (then id); the **first match wins**.
 * - When no rule matches — or the text is empty after normalisation ("-", "?", blank) — the result is the
 *   explicit code `unknown` with no rule.
 * - Both kinds of pattern see the normalised text (see normalise.ts: lower case, umlauts folded, punctuation
 *   as spaces):
 *   - `keyword`: one or more comma-separated keywords; a keyword is one or more words that must occur as
 *     whole words in that order ("too much" matches "costs too much for…", not "toomuch"); a trailing `*`
 *     makes its last word a prefix ("expensiv*" matches "expensive", "expensiv"). Keywords are normalised
 *     like the text, so "Kostengründe" and "kostengruende" are the same keyword.
 *   - `regex`: a JavaScript regular expression (Unicode mode) tested against the normalised text.
 */
import { AnalyseError } from './errors.js';
import { normaliseReasonText } from './normalise.js';

export const PATTERN_TYPES = ['keyword', 'regex'] as const;
export type PatternType = (typeof PATTERN_TYPES)[number];

export interface ReasonRule {
  id: number;
  position: number;
  patternType: PatternType;
  pattern: string;
  reasonCode: string;
  active: boolean;
}

export interface CompiledRule extends ReasonRule {
  test: (normalised: string) => boolean;
}

export interface ReasonMatch {
  /** The catalogue code: the matching rule's, or 'unknown'. */
  code: string;
  /** The rule that matched (null when none did). */
  rule: Pick<ReasonRule, 'id' | 'position' | 'patternType' | 'pattern'> | null;
  /** The text the rules saw. */
  normalised: string;
}

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Compiles one pattern; throws AnalyseError('invalid_rule') for an empty keyword or an invalid regex. */
export function compilePattern(patternType: PatternType, pattern: string): (normalised: string) => boolean {
  if (patternType === 'regex') {
    let re: RegExp;
    try {
      re = new RegExp(pattern, 'u');
    } catch (error) {
      throw new AnalyseError('invalid_rule', `invalid regular expression /${pattern}/: ${(error as Error).message}`);
    }
    if (re.test('')) throw new AnalyseError('invalid_rule', `the regular expression /${pattern}/ matches the empty text, so it would match everything`);
    return (text) => re.test(text);
  }
  const alternatives = pattern
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k.length > 0)
    .map((keyword) => {
      const prefix = keyword.endsWith('*');
      const words = normaliseReasonText(prefix ? keyword.slice(0, -1) : keyword);
      if (words === '') throw new AnalyseError('invalid_rule', `keyword "${keyword}" has no letters or digits`);
      return `(?:^| )${escapeRegex(words)}${prefix ? '' : '(?: |$)'}`;
    });
  if (alternatives.length === 0) throw new AnalyseError('invalid_rule', 'a keyword rule needs at least one keyword');
  const re = new RegExp(alternatives.join('|'), 'u');
  return (text) => re.test(text);
}

/** Active rules in matching order (position, then id), compiled. */
export function compileRules(rules: readonly ReasonRule[]): CompiledRule[] {
  return rules
    .filter((r) => r.active)
    .slice()
    .sort((a, b) => a.position - b.position || a.id - b.id)
    .map((r) => ({ ...r, test: compilePattern(r.patternType, r.pattern) }));
}

/** Maps one text: the first matching rule's code, else 'unknown'. */
export function matchReason(rules: readonly CompiledRule[], text: string | null | undefined): ReasonMatch {
  const normalised = normaliseReasonText(text ?? '');
  if (normalised !== '') {
    for (const rule of rules) {
      if (rule.test(normalised)) {
        return { code: rule.reasonCode, rule: { id: rule.id, position: rule.position, patternType: rule.patternType, pattern: rule.pattern }, normalised };
      }
    }
  }
  return { code: 'unknown', rule: null, normalised };
}

/**
 * The rules migration 0005 seeds (positions 10, 20, …), in matching order. The order is the design: specific
 * before general, so that
 * - a cheaper competitor ("anderer Anbieter günstiger", "better price from another provider") wins over both
 *   the price words and the switch words, and a switch ("moving to another provider") over relocation
 *   ("moving");
 * - the explicit "too expensive" family wins over the bare "price"/"cost" words ("price too high");
 * - outages ("service down all the time") win over the bare "service"; quality ("product keeps breaking")
 *   and missing features over the bare "product"; "does not have what we need" (missing feature) over the
 *   no-longer-needed words;
 * - the explicit unknown phrasings come last, so they never hide a real reason ("other provider").
 * A test (rules.test.ts) pins that every demo phrasing maps to its code, and that these equal the seeded rows.
 */
export const DEFAULT_REASON_RULES: readonly { patternType: PatternType; pattern: string; reasonCode: string }[] = [
  { patternType: 'keyword', pattern: 'cheaper, cheeper, guenstiger, billiger, better price, cheaper offer', reasonCode: 'price.competitor_cheaper' },
  { patternType: 'regex', pattern: '\\b\\d+ ?(less|weniger)\\b', reasonCode: 'price.competitor_cheaper' },
  { patternType: 'keyword', pattern: 'competitor*, konkurrenz, wettbewerber, another provider, other provider, anbieter*, anderem anbieter, gewechselt, switched, swiched, switching, someone else, another vendor, vendor', reasonCode: 'competitor.switched' },
  { patternType: 'keyword', pattern: 'expensiv*, teuer, pricey, price too high, too high, price increase, preiserhoehung, afford, too much, worth the money, preis leistung', reasonCode: 'price.too_expensive' },
  { patternType: 'keyword', pattern: 'price, prices, preis, pricing, prise, cost*, kosten*, budget, money, geld', reasonCode: 'price' },
  { patternType: 'keyword', pattern: 'billing, biling, invoice*, rechnung*, charged, abbuchung*, double charge*', reasonCode: 'billing.error' },
  { patternType: 'keyword', pattern: 'outage*, ausfall, ausfaelle, downtime, service down, was down, is down, not available, unavailable, nicht erreichbar, nicht verfuegbar', reasonCode: 'product.outages' },
  { patternType: 'keyword', pattern: 'complaint*, reklamation*, beschwerde*, not fixed, nobody fixed, not resolved, unresolved', reasonCode: 'service.unresolved_complaint' },
  { patternType: 'keyword', pattern: 'slow, response*, reponse, respond*, answer*, rueckmeldung, antwort*, call back, callback, rueckruf*, waited, waiting', reasonCode: 'service.slow_response' },
  { patternType: 'keyword', pattern: 'support, suport, hotline, ansprechpartner, rude, unfreundlich, unhelpful, staff', reasonCode: 'service.poor_support' },
  { patternType: 'keyword', pattern: 'service, servcie, servic, kundenservice', reasonCode: 'service' },
  { patternType: 'keyword', pattern: 'quality, qualtiy, qualitaet*, bug*, breaking, broken, kaputt, mangelhaft, defect*', reasonCode: 'product.quality' },
  { patternType: 'keyword', pattern: 'feature*, missing, mising, lacks, lacking, funktion*, fehlt, fehlende*, api, integration, schnittstelle*, what we need', reasonCode: 'product.missing_feature' },
  { patternType: 'keyword', pattern: 'product, produkt, products', reasonCode: 'product' },
  { patternType: 'keyword', pattern: 'closed, out of business, geschaeftsaufgabe, geschlossen, insolvenz, insolvent, bankrupt*, betrieb eingestellt, retired, retirement, ruhestand, rente', reasonCode: 'business_closed' },
  { patternType: 'keyword', pattern: 'moved, moving, reloc*, umzug, umgezogen, ziehen um', reasonCode: 'relocation' },
  { patternType: 'keyword', pattern: 'no longer, not needed, kein bedarf, keinen bedarf, brauchen, dont need, do not need, no need, not using, nutzen*, project ended, projekt beendet, projekt abgeschlossen', reasonCode: 'no_longer_needed' },
  { patternType: 'keyword', pattern: 'no reason, keine angabe, k a, n a, other, sonstig*, did not say, not given, unknown, unbekannt', reasonCode: 'unknown' },
];
