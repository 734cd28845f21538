/**
 * Normalisation of free-text cancellation reasons before rules are matched, applied alike to the text and to
 * keyword patterns (regex patterns run on the normalised text):
 *
 * 1. Unicode NFKC, then lower case (locale-independent);
 * 2. German folding: ä → ae, ö → oe, ü → ue, ß → ss (so "Qualität" and "Qualitaet" meet); any other
 *    diacritic is dropped (é → e);
 * 3. apostrophes are removed inside words ("don't" → "dont", "can't" → "cant");
 * 4. every other character that is not a letter or a digit becomes a space (punctuation, line breaks,
 *    "%", "/", "-");
 * 5. runs of spaces collapse to one; leading and trailing spaces go.
 *
 * "  Zu teuer!! " → "zu teuer"; "k.A." → "k a"; "Preis-Leistung" → "preis leistung"; "-" → "".
 */
const GERMAN: Record<string, string> = { ä: 'ae', ö: 'oe', ü: 'ue', ß: 'ss' };

export function normaliseReasonText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[äöüß]/g, (c) => GERMAN[c]!)
    .normalize('NFD')
    .replace(/\p{M}+/gu, '')
    .replace(/(\p{L})['’`´](\p{L})/gu, '$1$2')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}
