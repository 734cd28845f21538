import { describe, expect, it } from 'vitest';
import { demoReasonPhrases } from '../ingest/demo/reasons.js';
import { REASON_NOTES, REASON_PREFIXES } from '../ingest/demo/texts.js';
import { AnalyseError } from './errors.js';
import { normaliseReasonText } from './normalise.js';
import { compileRules, DEFAULT_REASON_RULES, matchReason, type ReasonRule } from './rules.js';

const defaultRules = (): ReasonRule[] =>
  DEFAULT_REASON_RULES.map((r, i) => ({ ...r, id: i + 1, position: (i + 1) * 10, active: true }));

describe('normaliseReasonText', () => {
  it('folds case, umlauts, ß, diacritics, apostrophes, punctuation and whitespace', () => {
    expect(normaliseReasonText('  Zu TEUER!! ')).toBe('zu teuer');
    expect(normaliseReasonText('Qualität')).toBe(normaliseReasonText('Qualitaet'));
    expect(normaliseReasonText('Geschäftsaufgabe')).toBe('geschaeftsaufgabe');
    expect(normaliseReasonText('Straße')).toBe('strasse');
    expect(normaliseReasonText('Qu\u0061\u0308lität')).toBe('quaelitaet'); // decomposed ä
    expect(normaliseReasonText("can't afford it")).toBe('cant afford it');
    expect(normaliseReasonText('k.A.')).toBe('k a');
    expect(normaliseReasonText('Preis-Leistung\nstimmt   nicht')).toBe('preis leistung stimmt nicht');
    expect(normaliseReasonText('café')).toBe('cafe');
    expect(normaliseReasonText('-')).toBe('');
    expect(normaliseReasonText('30% günstiger')).toBe('30 guenstiger');
  });
});

describe('matchReason with the default rules', () => {
  const rules = compileRules(defaultRules());

  it('maps every demo phrasing to its code', () => {
    const wrong: string[] = [];
    for (const [code, phrases] of Object.entries(demoReasonPhrases)) {
      for (const phrase of phrases) {
        const got = matchReason(rules, phrase).code;
        if (got !== code) wrong.push(`"${phrase}" → ${got}, expected ${code}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('maps the demo phrasings also with the generator’s casing, punctuation, prefixes and notes', () => {
    const wrong: string[] = [];
    for (const [code, phrases] of Object.entries(demoReasonPhrases)) {
      for (const phrase of phrases) {
        const variants = [
          phrase.toUpperCase(),
          phrase.toLowerCase() + ' !!',
          ` ${phrase}... `,
          ...REASON_PREFIXES.map((p) => p + phrase),
          ...REASON_NOTES.map((n) => phrase + n),
        ];
        for (const v of variants) {
          const got = matchReason(rules, v).code;
          if (got !== code) wrong.push(`${JSON.stringify(v)} → ${got}, expected ${code}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('records the rule that matched, and unknown without a rule when nothing matches', () => {
    const m = matchReason(rules, 'Zu teuer!');
    expect(m.code).toBe('price.too_expensive');
    expect(m.rule?.pattern).toContain('teuer');
    expect(m.normalised).toBe('zu teuer');
    expect(matchReason(rules, 'the moon was in the wrong phase')).toEqual({ code: 'unknown', rule: null, normalised: 'the moon was in the wrong phase' });
    expect(matchReason(rules, null)).toEqual({ code: 'unknown', rule: null, normalised: '' });
    expect(matchReason(rules, ' ?! ')).toMatchObject({ code: 'unknown', rule: null });
    // "no reason" is an explicit rule for unknown: it records the rule.
    expect(matchReason(rules, 'no reason given').rule).not.toBeNull();
  });
});

describe('rule semantics', () => {
  const rule = (id: number, position: number, patternType: 'keyword' | 'regex', pattern: string, reasonCode: string, active = true): ReasonRule => ({
    id,
    position,
    patternType,
    pattern,
    reasonCode,
    active,
  });

  it('first match wins, in position order (then id), inactive rules skipped', () => {
    const rules = [rule(1, 20, 'keyword', 'price', 'price'), rule(2, 10, 'keyword', 'price too high', 'price.too_expensive')];
    expect(matchReason(compileRules(rules), 'Price too high!').code).toBe('price.too_expensive');
    rules[1]!.position = 30;
    expect(matchReason(compileRules(rules), 'Price too high!').code).toBe('price');
    rules[0]!.active = false;
    expect(matchReason(compileRules(rules), 'Price too high!').code).toBe('price.too_expensive');
    const tied = [rule(5, 10, 'keyword', 'a', 'service'), rule(3, 10, 'keyword', 'a', 'product')];
    expect(matchReason(compileRules(tied), 'a').code).toBe('product');
  });

  it('keywords match whole words, a trailing * a prefix, commas separate alternatives; keywords are normalised', () => {
    const [r] = compileRules([rule(1, 1, 'keyword', 'other, expensiv*, Kostengründe', 'x')]);
    expect(r!.test('another one')).toBe(false);
    expect(r!.test('some other one')).toBe(true);
    expect(r!.test('too expensive')).toBe(true);
    expect(r!.test('inexpensive')).toBe(false);
    expect(r!.test('aus kostengruende')).toBe(true);
  });

  it('regex patterns run on the normalised text; invalid or empty-matching patterns are refused', () => {
    const [r] = compileRules([rule(1, 1, 'regex', '\\b\\d+ ?less\\b', 'x')]);
    expect(matchReason([r!], 'offered 20% less').code).toBe('x');
    expect(() => compileRules([rule(1, 1, 'regex', '(', 'x')])).toThrow(AnalyseError);
    expect(() => compileRules([rule(1, 1, 'regex', 'a*', 'x')])).toThrow(/empty text/);
    expect(() => compileRules([rule(1, 1, 'keyword', ' , !', 'x')])).toThrow(AnalyseError);
  });
});
