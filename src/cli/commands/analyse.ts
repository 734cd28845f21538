import type { Command } from 'commander';
import {
  addReasonRule,
  computeSegments,
  listReasonRules,
  listReasons,
  listRecovery,
  listRecoveryCosts,
  listRecoveryPriors,
  mapContractReasons,
  removeReasonRule,
  scoreRecovery,
  SEGMENT_TREATMENTS,
  setRecoveryCost,
  setRecoveryPrior,
  testReasonText,
  topFactors,
  AnalyseError,
  type RecoveryScoreResult,
} from '../../analyse/index.js';
import { describeRate, formatMinor } from '../../currency/index.js';
import { globalOptions, printJson, withDatabase } from '../context.js';

export function formatRecoveryScore(r: RecoveryScoreResult): string {
  const converted = r.rates.filter((x) => x.currency !== r.reportingCurrency);
  return [
    `scored ${r.scored} customers (${r.positive} with a positive expected value), measure ${r.measure}`,
    ...r.byState.map(
      (s) =>
        `  ${s.state.padEnd(9)} ${String(s.customers).padStart(8)} customers, expected value ${formatMinor(s.expectedValue, r.reportingCurrency)} ${r.reportingCurrency}` +
        (s.unconverted > 0 ? ` (without ${s.unconverted} customers in currencies without a rate)` : ''),
    ),
    `  values in ${r.reportingCurrency}${converted.length ? ` at ${converted.map((x) => describeRate(x, r.reportingCurrency)).join(', ')}` : ''}`,
    `  contracts: sBG α=${r.contractModel.params.alpha.toFixed(3)} β=${r.contractModel.params.beta.toFixed(3)} (${r.contractModel.message}); ${r.contractModel.dert.toFixed(2)} expected terms`,
    r.orderModel
      ? `  orders: ${r.orderModel.model} of analysis ${r.orderModel.analysisRunId}; ${r.orderModel.discountedTransactions.toFixed(2)} discounted orders of a won-back customer`
      : '  orders: no current analysis',
    ...r.warnings.map((w) => `  warning: ${w}`),
  ].join('\n');
}

/** `winback reasons …`, `winback segments`, `winback recovery score|list` (step 2: analyse). */
export function registerAnalyse(program: Command): void {
  const reasons = program
    .command('reasons')
    .description('the reason catalogue; `reasons rules …` edits the mapping rules, `reasons map` maps every contract')
    .action(async (_flags: unknown, command: Command) => {
      await withDatabase(command, async (database) => {
        const list = await listReasons(database);
        if (globalOptions(command).json) return printJson(list);
        for (const r of list) console.log(`${r.parentCode ? '  ' : ''}${r.code.padEnd(30)} ${r.label}${r.description ? ` — ${r.description}` : ''}`);
      });
    });

  const rules = reasons.command('rules').description('mapping rules: free text → reason code, first match wins');
  rules
    .command('list')
    .description('the rules in matching order')
    .action(async (_flags: unknown, command: Command) => {
      await withDatabase(command, async (database) => {
        const list = await listReasonRules(database);
        if (globalOptions(command).json) return printJson(list);
        for (const r of list) {
          console.log(`#${String(r.id).padEnd(4)} pos ${String(r.position).padStart(4)}  ${r.active ? '' : '(inactive) '}${r.patternType.padEnd(7)} ${r.reasonCode.padEnd(28)} ${r.pattern}`);
        }
      });
    });
  rules
    .command('add')
    .description('add a rule')
    .argument('<reason-code>', 'code from the catalogue')
    .argument('<pattern>', 'keywords (comma-separated, trailing * = prefix) or a regular expression with --regex')
    .option('--regex', 'the pattern is a regular expression (on the normalised text)')
    .option('--position <n>', 'place in the matching order (rules at or after it move down); default: last')
    .option('--inactive', 'add it switched off')
    .option('--note <text>', 'why the rule exists')
    .action(async (reasonCode: string, pattern: string, flags: { regex?: boolean; position?: string; inactive?: boolean; note?: string }, command: Command) => {
      await withDatabase(command, async (database) => {
        const rule = await addReasonRule(database, {
          reasonCode,
          pattern,
          patternType: flags.regex ? 'regex' : 'keyword',
          ...(flags.position !== undefined ? { position: flags.position as unknown as number } : {}),
          active: !flags.inactive,
          ...(flags.note !== undefined ? { note: flags.note } : {}),
        });
        if (globalOptions(command).json) return printJson(rule);
        console.log(`added rule #${rule.id} at position ${rule.position}: ${rule.patternType} "${rule.pattern}" → ${rule.reasonCode}`);
      });
    });
  rules
    .command('remove')
    .description('remove a rule (contracts it mapped keep their mapping until `reasons map`)')
    .argument('<id>', 'rule id')
    .action(async (id: string, _flags: unknown, command: Command) => {
      await withDatabase(command, async (database) => {
        const n = Number(id);
        if (!Number.isSafeInteger(n)) throw new AnalyseError('invalid_options', `rule id must be an integer, got "${id}"`);
        const rule = await removeReasonRule(database, n);
        if (globalOptions(command).json) return printJson(rule);
        console.log(`removed rule #${rule.id}: ${rule.patternType} "${rule.pattern}" → ${rule.reasonCode}`);
      });
    });
  rules
    .command('test')
    .description('show what the rules make of a text (nothing is written)')
    .argument('<text>', 'a cancellation reason as customers write it')
    .action(async (text: string, _flags: unknown, command: Command) => {
      await withDatabase(command, async (database) => {
        const m = await testReasonText(database, text);
        if (globalOptions(command).json) return printJson(m);
        console.log(`${JSON.stringify(text)} → ${m.code}`);
        console.log(`  normalised: "${m.normalised}"`);
        console.log(m.rule ? `  rule #${m.rule.id} (position ${m.rule.position}, ${m.rule.patternType} "${m.rule.pattern}")` : '  no rule matched');
      });
    });
  reasons
    .command('map')
    .description('map the reason of every contract with the current rules (idempotent; verified codes are kept)')
    .action(async (_flags: unknown, command: Command) => {
      await withDatabase(command, async (database) => {
        const r = await mapContractReasons(database);
        if (globalOptions(command).json) return printJson(r);
        console.log(`${r.contracts} contracts with a reason (${r.distinctTexts} distinct texts); ${r.changed} changed`);
        console.log(`  from the import: ${r.bySource.import}, by a rule: ${r.bySource.rule}, unmatched (unknown): ${r.bySource.none}`);
        for (const c of r.byCode) console.log(`  ${c.code.padEnd(30)} ${String(c.contracts).padStart(8)}`);
      });
    });

  program
    .command('segments')
    .description('Reinartz & Kumar segments (relationship length × profitability) and RFM quintiles of every customer')
    .option('--as-of <date>', 'date to measure at (default: now)')
    .option('--tenure-threshold-days <n>', 'long relationship above this many days (default: the median)')
    .option('--profit-threshold <minor-units>', 'high profit above this margin, minor units (default: the median per currency)')
    .option('--margin-ratio <ratio>', 'margin share for lines without a margin and for contracts (default: observed, else 0.3)')
    .action(async (flags: Record<string, string | undefined>, command: Command) => {
      await withDatabase(command, async (database) => {
        const r = await computeSegments(database, flags);
        if (globalOptions(command).json) return printJson(r);
        console.log(`segments of ${r.customers} customers as of ${r.asOf.toISOString().slice(0, 10)} (margin ratio ${r.marginRatio.ratio.toFixed(3)}, ${r.marginRatio.source})`);
        console.log(`thresholds (${r.thresholds.source}): long > ${r.thresholds.tenureDays} days; high profit > ${r.thresholds.profitByCurrency.map((p) => `${formatMinor(p.profit, p.currency)} ${p.currency ?? ''}`).join(', ')}`);
        for (const s of r.segments) {
          const t = SEGMENT_TREATMENTS[s.segment];
          console.log(`  ${t.label.padEnd(13)} ${t.relationship.padEnd(5)} ${t.profit.padEnd(4)} ${String(s.customers).padStart(8)}  ${t.treatment}`);
        }
      });
    });

  const recovery = program.command('recovery').description('worth winning back: score lost and sleeping customers, list them by expected value');
  recovery
    .command('score')
    .description('score every lost or sleeping customer: P(recovery) × value if recovered − cost, with the explanation')
    .option('--as-of <date>', 'date of the scores (default: now)')
    .option('--measure <measure>', 'recovery measure whose cost is charged', 'agent_call')
    .option('--contract-term-months <n>', 'length of a contract term (the sBG period)', '12')
    .option('--annual-discount-rate <rate>', 'default: the current analysis\' rate, else 0.1')
    .option('--horizon-months <n>', 'horizon of order customers\' value; default: the current analysis\' horizon')
    .option('--margin-ratio <ratio>', 'margin share of contract revenue (default: observed order margins, else 0.3)')
    .action(async (flags: Record<string, string | undefined>, command: Command) => {
      await withDatabase(command, async (database) => {
        const r = await scoreRecovery(database, flags);
        if (globalOptions(command).json) return printJson(r);
        console.log(formatRecoveryScore(r));
      });
    });
  recovery
    .command('list')
    .description('the prioritised recovery list with the top factors of each score')
    .option('--state <state>', 'lost or sleeping')
    .option('--segment <segment>', 'true_friends, butterflies, barnacles or strangers')
    .option('--reason <code>', 'reason code (a parent includes its children)')
    .option('--team <code>', 'team code')
    .option('--min-value <minor-units>', 'minimum expected value in the reporting currency, minor units')
    .option('--sort <key>', 'expected_value, value, p_recovery or lost_since', 'expected_value')
    .option('--order <order>', 'desc or asc', 'desc')
    .option('--limit <n>', 'rows per page', '20')
    .option('--page <n>', 'page number (offset paging)', '1')
    .option('--after <cursor>', 'keyset paging: the `next` cursor of the previous page')
    .action(async (flags: Record<string, string | undefined>, command: Command) => {
      await withDatabase(command, async (database) => {
        const list = await listRecovery(database, {
          ...(flags.state !== undefined ? { state: flags.state as 'lost' } : {}),
          ...(flags.segment !== undefined ? { segment: flags.segment as 'strangers' } : {}),
          ...(flags.reason !== undefined ? { reason: flags.reason } : {}),
          ...(flags.team !== undefined ? { team: flags.team } : {}),
          ...(flags.minValue !== undefined ? { minValue: flags.minValue } : {}),
          sort: flags.sort as 'expected_value',
          order: flags.order as 'desc',
          limit: flags.limit,
          page: flags.page,
          ...(flags.after !== undefined ? { after: flags.after } : {}),
        });
        if (globalOptions(command).json) return printJson(list);
        if (list.items.length === 0) return console.log('no customers (run `winback recovery score` after computing the lifecycle states)');
        for (const i of list.items) {
          const who = `${i.name ?? i.company ?? i.externalId} (${i.externalId})`;
          // Ranked in the reporting currency (the factors line shows the conversion); unconverted in their own.
          const ev =
            i.expectedValueReporting === null
              ? `${formatMinor(i.expectedValue, i.currency).padStart(10)} ${i.currency ?? ''} (no rate to ${i.reportingCurrency})`
              : `${formatMinor(i.expectedValueReporting, i.reportingCurrency).padStart(10)} ${i.reportingCurrency}`;
          console.log(
            `${String(i.rank).padStart(5)}. ${who.padEnd(40)} EV ${ev}  ${i.state} since ${i.stateSince.toISOString().slice(0, 10)}  ${i.segment ?? '-'}  ${i.reasonCode ?? '-'}${i.team ? `  team ${i.team}` : ''}`,
          );
          console.log(`         ${topFactors(i)}`);
        }
        if (list.next) console.log(`next page: --after ${list.next}`);
      });
    });

  const priors = recovery.command('priors').description('Beta priors of P(recovery) per segment × reason (the most specific cell applies)');
  priors
    .command('list')
    .description('every prior cell')
    .action(async (_flags: unknown, command: Command) => {
      await withDatabase(command, async (database) => {
        const list = await listRecoveryPriors(database);
        if (globalOptions(command).json) return printJson(list);
        console.log(`${'segment'.padEnd(13)} ${'reason'.padEnd(28)} ${'alpha'.padStart(7)} ${'beta'.padStart(7)} ${'mean'.padStart(7)} ${'weight'.padStart(7)}  rationale`);
        for (const p of list) {
          const mean = p.alpha / (p.alpha + p.beta);
          console.log(
            `${(p.segment ?? 'any').padEnd(13)} ${(p.reasonCode ?? 'any').padEnd(28)} ${String(p.alpha).padStart(7)} ${String(p.beta).padStart(7)} ${`${(mean * 100).toFixed(1)}%`.padStart(7)} ${String(p.alpha + p.beta).padStart(7)}  ${p.rationale ?? ''}`,
          );
        }
      });
    });
  priors
    .command('set')
    .description('set the prior of a cell: --alpha and --beta, or --rate and --weight (alpha = rate × weight, beta = weight − alpha)')
    .option('--segment <segment>', 'true_friends, butterflies, barnacles, strangers or any', 'any')
    .option('--reason <code>', 'reason code from the catalogue (a parent covers its children), or any', 'any')
    .option('--alpha <a>', 'Beta prior alpha (prior successes)')
    .option('--beta <b>', 'Beta prior beta (prior failures)')
    .option('--rate <p>', 'prior mean P(recovery), e.g. 0.2')
    .option('--weight <n>', 'how many attempts the prior weighs as, e.g. 20')
    .option('--rationale <text>', 'why this prior')
    .action(async (flags: Record<string, string | undefined>, command: Command) => {
      await withDatabase(command, async (database) => {
        const { reason, ...rest } = flags;
        const p = await setRecoveryPrior(database, { ...rest, reasonCode: reason } as Parameters<typeof setRecoveryPrior>[1]);
        if (globalOptions(command).json) return printJson(p);
        console.log(
          `prior ${p.segment ?? 'any'} × ${p.reasonCode ?? 'any'}: Beta(${p.alpha}, ${p.beta}) — mean ${(p.mean * 100).toFixed(1)}%, weighs as ${p.weight} attempts`,
        );
        console.log(`applies from the next scoring (winback recovery score)`);
      });
    });

  const costs = recovery.command('costs').description('cost of each recovery measure per currency');
  costs
    .command('list')
    .description('every measure and currency')
    .action(async (_flags: unknown, command: Command) => {
      await withDatabase(command, async (database) => {
        const list = await listRecoveryCosts(database);
        if (globalOptions(command).json) return printJson(list);
        for (const c of list) console.log(`${c.measure.padEnd(20)} ${formatMinor(c.amount, c.currency).padStart(10)} ${c.currency}  ${c.description ?? ''}`);
      });
    });
  costs
    .command('set')
    .description('set the cost of a measure in a currency (a new measure by its first cost)')
    .requiredOption('--measure <measure>', 'e.g. agent_call, executive_call, offer')
    .requiredOption('--currency <code>', 'ISO 4217 code, e.g. EUR')
    .requiredOption('--amount <amount>', 'decimal amount in the currency, e.g. 12.50 (never rounded)')
    .option('--description <text>', 'what the measure costs consist of')
    .action(async (flags: { measure: string; currency: string; amount: string; description?: string }, command: Command) => {
      await withDatabase(command, async (database) => {
        const c = await setRecoveryCost(database, flags);
        if (globalOptions(command).json) return printJson(c);
        console.log(`cost of ${c.measure} in ${c.currency}: ${formatMinor(c.amount, c.currency)} ${c.currency}`);
        console.log(`applies from the next scoring (winback recovery score --measure ${c.measure})`);
      });
    });
}
