/** The parts of the API's answers the pages use (the server's OpenAPI document at /api/v1/openapi.json has them all). */

export interface StateCount {
  state: string;
  customers: number;
  doNotContact: number;
  latentNeed: number;
}

export interface MoneyRow {
  currency: string;
  lostValue: number;
  sleepingValue: number;
  forecastValue: number;
  revenueBase: number;
  revenueChurnRate: number;
}

export interface LossRow {
  period: string;
  start: string;
  end: string;
  group: string | null;
  lostCustomers: number;
  sleepingCustomers: number;
  activeAtStart: number;
  customerChurnRate: number;
  churnRateWithSleeping: number;
  money: MoneyRow[];
  total: MoneyRow | null;
}

export interface Rate {
  currency: string;
  rate: string;
  updatedAt: string;
  updatedBy: string | null;
}

export interface LossReport {
  by: string;
  from: string;
  to: string;
  currencies: string[];
  reportingCurrency: string;
  rates: Rate[];
  unconverted: string[];
  rows: LossRow[];
}

export interface ParetoRow {
  code: string;
  label: string;
  customers: number;
  lostCustomers: number;
  sleepingCustomers: number;
  lostRevenue: number;
  sleepingRevenue: number;
  revenue: number;
  share: number;
  cumulativeShare: number;
  customerShare: number;
  openItems: { id: number; title: string; status: string; owner: string | null; linkedTo: string }[];
}

export interface Pareto {
  from: string;
  to: string;
  customers: number;
  lostCustomers: number;
  sleepingCustomers: number;
  reporting: { currency: string; rates: Rate[]; unconverted: string[]; revenue: number; lostRevenue: number; sleepingRevenue: number; rows: ParetoRow[] };
}

export interface TrendRow {
  period: string;
  start: string;
  reason: string;
  label: string;
  currency: string;
  customers: number;
  lostCustomers: number;
  sleepingCustomers: number;
  revenue: number;
  reportingRevenue: number | null;
}

export interface Trends {
  from: string;
  to: string;
  by: string;
  periods: string[];
  reasons: { code: string; label: string }[];
  currencies: string[];
  reporting: { currency: string; unconverted: string[] };
  rows: TrendRow[];
}

export interface AnalysisModel {
  id: number;
  model: 'bgnbd' | 'paretonbd' | 'gammagamma';
  status: string;
  selected: boolean;
  currency: string | null;
  parameters: Record<string, number> | null;
  standardErrors: Record<string, number | null> | null;
  logLikelihood: number | null;
  converged: boolean | null;
  iterations: number | null;
  message: string | null;
  customers: number;
  distinctRows: number | null;
  fitMs: number | null;
}

export interface FrequencyBucket {
  label: string;
  customers: number;
  actual: number;
  predicted: number;
}

export interface Validation {
  model: string;
  holdoutDays: number;
  buckets: FrequencyBucket[];
  metrics: { mae: number; rmse: number; correlation: number; actualTotal: number; predictedTotal: number; aggregatePercentError: number };
  tracking?: { periodEnd: string[]; actualCumulative: number[]; predictedCumulative: number[]; calibrationPeriods: number } | null;
}

export interface AnalysisRun {
  id: number;
  status: string;
  current: boolean;
  purchaseModel: string;
  unit: string;
  calibrationStart: string | null;
  calibrationEnd: string;
  holdoutEnd: string | null;
  customersScored: number;
  createdAt: string;
  options: Record<string, unknown>;
  summary: {
    data?: { orders: number; firstOrderAt: string | null; lastOrderAt: string | null; calibrationCustomers: number; repeatCustomers: number; distinctHistories: number };
    margin?: { source: string; ratio: number };
    warnings?: string[];
    totals?: { currency: string; customers: number; meanPAlive: number; expectedTransactions365d: number; totalClv: number }[];
    validation?: Validation[];
    timings?: { totalMs: number };
  };
  models: AnalysisModel[];
}

export interface RecoveryItem {
  rank: number;
  customerId: number;
  externalId: string;
  name: string | null;
  company: string | null;
  team: string | null;
  state: string;
  stateSince: string;
  segment: string | null;
  reasonCode: string | null;
  currency: string;
  pRecovery: number;
  valueIfRecovered: number;
  cost: number;
  expectedValue: number;
  reportingCurrency: string;
  exchangeRate: string | null;
  valueIfRecoveredReporting: number | null;
  costReporting: number | null;
  expectedValueReporting: number | null;
  explanation: Record<string, unknown>;
}

export interface RecoveryList {
  items: RecoveryItem[];
  sort: string;
  order: string;
  page: number;
  limit: number;
  next: string | null;
  asOf: string;
  total?: number;
}
