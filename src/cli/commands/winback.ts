import type { Command } from 'commander';
import { evaluateContactRequest, recordContact } from '../../contact/index.js';
import {
  callWorkspace,
  closeCycle,
  createCycle,
  createOffer,
  customerIdOf,
  cycleProgress,
  employeeIdOf,
  formatClaim,
  formatCycleList,
  formatOffers,
  formatProgress,
  formatRecordedCall,
  formatStart,
  formatTargets,
  formatWorkspace,
  listCycles,
  listCycleTargets,
  listOffers,
  nextCall,
  offerIdOf,
  recordCall,
  releaseClaim,
  startCycle,
  updateOffer,
  WinbackError,
  type CallRecordInput,
  type OfferInput,
  type OfferUpdate,
} from '../../winback/index.js';
import type { Database } from '../../db/engine.js';
import { printResult } from '../context.js';

type Flags = Record<string, string | string[] | boolean | undefined>;

/** Repeatable flags (`--agent a --agent b`; a value may also list several, comma-separated). */
const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** The terms of an offer from flags: the type and its parameters; the offer schema validates the combination. */
function termsFrom(flags: Flags): Record<string, unknown> | undefined {
  if (flags.type === undefined) return undefined;
  const num = (v: unknown) => (typeof v === 'string' ? Number(v) : undefined);
  const currency = str(flags.currency)?.toUpperCase();
  return {
    type: flags.type,
    ...(flags.percent !== undefined ? { percent: num(flags.percent) } : {}),
    ...(flags.months !== undefined ? { months: num(flags.months) } : {}),
    ...(flags.amount !== undefined ? { amount: { amount: num(flags.amount), currency } } : {}),
    ...(flags.costPerMonth !== undefined ? { costPerMonth: { amount: num(flags.costPerMonth), currency } } : {}),
  };
}

function offerFlags(command: Command): Command {
  return command
    .option('--name <text>', 'what the agent and the customer call it')
    .option('--type <type>', 'discount_percent, account_credit, free_months, switching_bonus, apology, personal_advisor, priority_service or product_fix')
    .option('--percent <n>', 'discount_percent: the discount')
    .option('--months <n>', 'discount_percent, free_months, personal_advisor, priority_service: how long')
    .option('--amount <minor>', 'account_credit, switching_bonus: the amount in minor units (5000 = 50.00)')
    .option('--cost-per-month <minor>', 'personal_advisor, priority_service: what a month costs the company, minor units')
    .option('--currency <code>', 'currency of --amount / --cost-per-month')
    .option('--segment <segment>', 'eligible segment (repeatable; default any)', collect)
    .option('--reason <code>', 'eligible reason, covering its children (repeatable; default any)', collect)
    .option('--uplift <factor>', 'P(recovery) is multiplied by this when the offer is made (the planner\'s assumption)')
    .option('--description <text>', 'what the agent should know');
}

function offerBody(flags: Flags): Record<string, unknown> {
  const terms = termsFrom(flags);
  return {
    ...(flags.name !== undefined ? { name: flags.name } : {}),
    ...(terms ? { terms } : {}),
    ...(flags.segment !== undefined ? { eligibleSegments: flags.segment } : {}),
    ...(flags.reason !== undefined ? { eligibleReasons: flags.reason } : {}),
    ...(flags.uplift !== undefined ? { uplift: flags.uplift } : {}),
    ...(flags.description !== undefined ? { description: flags.description } : {}),
  };
}

/** `winback cycle …`, `winback call …`, `winback offers …`, `winback contact …` (step 4: win back). */
export function registerWinback(program: Command): void {
  const cycle = program.command('cycle').description('rescue cycles: plan, start (targets + holdout), follow, close');
  cycle
    .command('list')
    .description('rescue cycles, newest first')
    .action((_flags: Flags, command: Command) => printResult(command, listCycles, formatCycleList));
  cycle
    .command('create')
    .description('plan a rescue cycle (a draft until started)')
    .requiredOption('--name <text>', 'name of the cycle, e.g. "Q3 win-back"')
    .requiredOption('--from <date>', 'first day of the period')
    .requiredOption('--to <date>', 'end of the period')
    .requiredOption('--budget <minor>', 'offer budget in minor units of --currency (50000 = 500.00)')
    .option('--currency <code>', 'currency of the budget', 'EUR')
    .option('--holdout <share>', 'share of the targets held out as the control group (0–0.5)', '0.1')
    .option('--executive-targets <n>', 'targets each executive calls personally (1–10)', '5')
    .option('--agent <code>', 'an agent working the queue (employee code; repeatable)', collect)
    .option('--executive <code>', 'an executive calling the top targets (repeatable)', collect)
    .option('--manager <code>', 'a manager following the cycle (repeatable)', collect)
    .option('--state <state>', 'target lost and/or sleeping customers (repeatable; default both)', collect)
    .option('--segment <segment>', 'only this segment (repeatable)', collect)
    .option('--reason <code>', 'only this reason and its children (repeatable)', collect)
    .option('--team <id>', 'only customers this team serves (team id; repeatable)', collect)
    .option('--min-value <minor>', 'minimum expected value of the attempt, minor units of the reporting currency')
    .option('--max-targets <n>', 'at most this many targets', '500')
    .option('--claim-minutes <n>', 'how long a claimed call stays reserved', '30')
    .option('--max-attempts <n>', 'calls before a customer counts as unreachable', '3')
    .option('--retry-hours <n>', 'wait before calling an unreachable customer again', '24')
    .action(async (flags: Flags, command: Command) =>
      printResult(
        command,
        async (database) => {
          const members = [];
          for (const role of ['agent', 'executive', 'manager'] as const) {
            for (const code of (flags[role] as string[] | undefined) ?? []) members.push({ employeeId: await employeeIdOf(database, code), role });
          }
          return createCycle(database, {
            name: str(flags.name)!,
            periodStart: str(flags.from)!,
            periodEnd: str(flags.to)!,
            offerBudget: str(flags.budget),
            currency: str(flags.currency),
            holdoutShare: str(flags.holdout),
            executiveTargets: str(flags.executiveTargets),
            claimMinutes: str(flags.claimMinutes),
            maxAttempts: str(flags.maxAttempts),
            retryHours: str(flags.retryHours),
            members,
            targetRule: {
              ...(flags.state ? { states: flags.state as ('lost' | 'sleeping')[] } : {}),
              ...(flags.segment ? { segments: flags.segment as never } : {}),
              ...(flags.reason ? { reasons: flags.reason as string[] } : {}),
              ...(flags.team ? { teamIds: flags.team as string[] } : {}),
              ...(flags.minValue !== undefined ? { minExpectedValue: str(flags.minValue) } : {}),
              maxTargets: str(flags.maxTargets),
            },
          });
        },
        (r) => `created rescue cycle ${r.id} (draft); start it with: winback cycle start ${r.id}`,
      ),
    );
  cycle
    .command('start')
    .description('select the targets, draw the holdout (seed recorded), deal the executives their handful')
    .argument('<id>', 'cycle id')
    .option('--seed <n>', 'seed of the holdout draw (default: drawn, and recorded)')
    .option('--at <time>', 'start time (default now)')
    .action((id: string, flags: Flags, command: Command) => printResult(command, (database) => startCycle(database, Number(id), { seed: str(flags.seed), at: str(flags.at) }), formatStart));
  cycle
    .command('show')
    .description("a cycle's progress: targets, holdout, contacted, outcomes, budget")
    .argument('<id>', 'cycle id')
    .action((id: string, _flags: Flags, command: Command) => printResult(command, (database) => cycleProgress(database, Number(id)), formatProgress));
  cycle
    .command('targets')
    .description("a cycle's targets in rank order: queue status, who has them, outcome")
    .argument('<id>', 'cycle id')
    .option('--status <status>', 'holdout, open, claimed, callback, done, unreachable or blocked (repeatable)', collect)
    .option('--employee <code>', 'targets dealt to or claimed by this employee')
    .option('--limit <n>', 'rows', '50')
    .option('--offset <n>', 'rows to skip', '0')
    .action((id: string, flags: Flags, command: Command) =>
      printResult(
        command,
        async (database) =>
          listCycleTargets(database, Number(id), {
            status: flags.status as string[] | undefined,
            employeeId: flags.employee ? await employeeIdOf(database, str(flags.employee)!) : undefined,
            limit: str(flags.limit),
            offset: str(flags.offset),
          }),
        formatTargets,
      ),
    );
  cycle
    .command('close')
    .description('close an active cycle')
    .argument('<id>', 'cycle id')
    .action((id: string, _flags: Flags, command: Command) =>
      printResult(
        command,
        async (database) => {
          await closeCycle(database, Number(id));
          return cycleProgress(database, Number(id));
        },
        formatProgress,
      ),
    );

  const call = program.command('call').description('the recovery call: claim the next call, see the workspace, record the guided call');
  call
    .command('next')
    .description('claim the next call of a cycle for an agent or executive (exclusive until recorded or expired)')
    .requiredOption('--cycle <id>', 'cycle id')
    .requiredOption('--employee <code>', 'who is calling (employee code or id)')
    .option('--at <time>', 'now, for the contact rules (default now)')
    .action((flags: Flags, command: Command) =>
      printResult(command, async (database) => nextCall(database, Number(flags.cycle), { employeeId: await employeeIdOf(database, str(flags.employee)!), at: str(flags.at) }), formatClaim),
    );
  call
    .command('release')
    .description('give a claimed call back to the queue')
    .requiredOption('--cycle <id>', 'cycle id')
    .requiredOption('--customer <id>', 'customer (external id or id)')
    .requiredOption('--employee <code>', 'who holds the claim')
    .action((flags: Flags, command: Command) =>
      printResult(
        command,
        async (database) => {
          await releaseClaim(database, Number(flags.cycle), await customerIdOf(database, str(flags.customer)!), await employeeIdOf(database, str(flags.employee)!));
          return { released: true };
        },
        () => 'released: the customer is back in the queue',
      ),
    );
  call
    .command('workspace')
    .description("the customer's story, whether a call is allowed now, and the eligible offers ranked within the budget")
    .requiredOption('--customer <id>', 'customer (external id or id)')
    .requiredOption('--employee <code>', 'who is calling')
    .option('--cycle <id>', 'the cycle the call belongs to (its budget and target)')
    .option('--at <time>', 'now (default now)')
    .action((flags: Flags, command: Command) =>
      printResult(
        command,
        async (database) =>
          callWorkspace(database, await customerIdOf(database, str(flags.customer)!), { employeeId: await employeeIdOf(database, str(flags.employee)!), cycleId: str(flags.cycle), at: str(flags.at) }),
        formatWorkspace,
      ),
    );
  call
    .command('record')
    .description('record the guided call: apologise → listen → diagnose and verify → support → offer → outcome')
    .requiredOption('--customer <id>', 'customer (external id or id)')
    .requiredOption('--employee <code>', 'who called')
    .requiredOption('--outcome <outcome>', 'won_back, considering, declined, unreachable or asked_not_to_be_contacted')
    .option('--cycle <id>', 'the cycle the call belongs to (its claim is needed)')
    .option('--channel <channel>', 'phone, email, sms, letter or visit', 'phone')
    .option('--apology', 'the apology was made')
    .option('--explanation <text>', "the customer's explanation, in their words")
    .option('--reason <code>', 'the diagnosed reason (catalogue code)')
    .option('--confirmed', 'the customer confirmed the diagnosed reason')
    .option('--not-confirmed', 'the customer did not confirm it')
    .option('--support <text>', 'what was done to resolve the issue')
    .option('--offer <code>', 'the offer made (code or id)')
    .option('--offer-response <response>', 'accepted, declined or considering')
    .option('--next-step <text>', 'what happens next')
    .option('--callback-at <time>', 'when to call back (considering)')
    .option('--notes <text>', 'anything else')
    .option('--at <time>', 'when the call took place (default now)')
    .action((flags: Flags, command: Command) =>
      printResult(
        command,
        async (database) => {
          if (flags.confirmed && flags.notConfirmed) throw new WinbackError('invalid_input', '--confirmed and --not-confirmed contradict each other');
          const input: CallRecordInput = {
            customerId: await customerIdOf(database, str(flags.customer)!),
            employeeId: await employeeIdOf(database, str(flags.employee)!),
            cycleId: str(flags.cycle),
            channel: str(flags.channel) as never,
            at: str(flags.at),
            apologyMade: flags.apology === true,
            customerExplanation: str(flags.explanation),
            diagnosedReason: str(flags.reason),
            reasonConfirmed: flags.confirmed ? true : flags.notConfirmed ? false : undefined,
            supportExtended: str(flags.support),
            offer: flags.offer ? { offerId: await offerIdOf(database, str(flags.offer)!), response: str(flags.offerResponse) as never } : undefined,
            outcome: str(flags.outcome) as never,
            nextStep: str(flags.nextStep),
            callbackAt: str(flags.callbackAt),
            notes: str(flags.notes),
          };
          return recordCall(database, input);
        },
        formatRecordedCall,
      ),
    );

  const offers = program.command('offers').description('the offer catalogue: material incentives and immaterial gestures');
  offers
    .command('list')
    .description('the catalogue')
    .option('--active', 'active offers only')
    .action((flags: Flags, command: Command) => printResult(command, (database) => listOffers(database.db, flags.active === true), formatOffers));
  offerFlags(offers.command('add').description('add an offer').argument('<code>', 'its code, e.g. loyalty_credit')).action((code: string, flags: Flags, command: Command) =>
    printResult(command, (database) => createOffer(database, { code, ...offerBody(flags) } as OfferInput), (o) => formatOffers([o])),
  );
  offerFlags(offers.command('set').description('change an offer (offers are never deleted: --inactive)').argument('<offer>', 'code or id'))
    .option('--active', 'make it available again')
    .option('--inactive', 'withdraw it')
    .action((ref: string, flags: Flags, command: Command) =>
      printResult(
        command,
        async (database) =>
          updateOffer(database, await offerIdOf(database, ref), { ...offerBody(flags), ...(flags.active ? { active: true } : flags.inactive ? { active: false } : {}) } as OfferUpdate),
        (o) => formatOffers([o]),
      ),
    );

  const contact = program.command('contact').description("the customer's contact rules: check a contact, record one made outside a call");
  const contactFlags = (c: Command) =>
    c
      .requiredOption('--customer <id>', 'customer (external id or id)')
      .requiredOption('--channel <channel>', 'phone, email, sms, letter or visit')
      .option('--employee <code>', 'who makes the contact')
      .option('--at <time>', 'when (default now)');
  const request = async (database: Database, flags: Flags) => ({
    customerId: await customerIdOf(database, str(flags.customer)!),
    channel: str(flags.channel) as never,
    employeeId: flags.employee ? await employeeIdOf(database, str(flags.employee)!) : undefined,
    at: str(flags.at),
  });
  contactFlags(contact.command('check').description('may this contact be made? (nothing is written)'))
    .option('--schedule', 'a contact planned for --at rather than made now')
    .action((flags: Flags, command: Command) =>
      printResult(
        command,
        async (database) => evaluateContactRequest(database, { ...(await request(database, flags)), action: flags.schedule ? 'schedule' : 'contact' }),
        (d) => (d.allowed ? 'allowed' : `refused: ${d.message}`),
      ),
    );
  contactFlags(contact.command('log').description('record a contact made outside a call; refused (and logged) if a rule forbids it'))
    .option('--reached', 'it reached the customer')
    .option('--detail <text>', 'what was sent or said')
    .action((flags: Flags, command: Command) =>
      printResult(
        command,
        async (database) => recordContact(database, { ...(await request(database, flags)), reached: flags.reached === true, detail: str(flags.detail) ?? null }),
        (r) => `contact recorded (log ${r.logId})`,
      ),
    );
}
