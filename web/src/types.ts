/**
 * The API's answers, as the server declares them: its own types (imported as types only, so no server code reaches
 * the bundle) after the JSON round trip — `Json<T>` turns their dates into ISO strings.
 */
import type { AnalysisRunRecord } from '../../src/analyze/runs';
import type { ReasonEntry } from '../../src/analyse/reasons';
import type { RecoveryList as ServerRecoveryList } from '../../src/analyse/recovery';
import type { FeedbackReport } from '../../src/causes/feedback';
import type { RootCauseItem } from '../../src/causes/items';
import type { ParetoReport } from '../../src/causes/pareto';
import type { TrendsReport } from '../../src/causes/trends';
import type { CustomerList } from '../../src/customers/list';
import type { Employee as ServerEmployee, Team as ServerTeam } from '../../src/customers/people';
import type { ContactPreferencesView, CustomerProfile } from '../../src/customers/profile';
import type { Timeline as ServerTimeline } from '../../src/customers/timeline';
import type { StateCount as ServerStateCount } from '../../src/identify/repository';
import type { LossReport as ServerLossReport } from '../../src/identify/losses';
import type { ImportLogEntry } from '../../src/overview/repository';
import type { AnalysisJobView } from '../../src/server/routes/analysis';
import type { ImportUploadResult } from '../../src/server/routes/imports';
import type { Json } from '../../src/shared/json';
import type { CallWorkspace } from '../../src/winback/workspace';
import type { ClaimedCall } from '../../src/winback/queue';
import type { createCycle, CycleProgress as ServerCycleProgress, CycleSummary as ServerCycleSummary } from '../../src/winback/cycles';
import type { Offer as ServerOffer } from '../../src/winback/offers';
import type { CycleTargetPage } from '../../src/winback/targets';

export type { Json };

// Identify: lifecycle states and losses
export type StateCount = Json<ServerStateCount>;
export type LossReport = Json<ServerLossReport>;

// Analyse: reasons and the prioritised recovery list
export type Reason = Json<ReasonEntry>;
export type RecoveryList = Json<ServerRecoveryList>;
export type RecoveryItem = RecoveryList['items'][number];

// Causes
export type Pareto = Json<ParetoReport>;
export type Trends = Json<TrendsReport>;
export type Item = Json<RootCauseItem>;
export type Feedback = Json<FeedbackReport>;

// Analysis (models and their validation)
export type AnalysisRun = Json<AnalysisRunRecord>;
export type AnalysisModel = AnalysisRun['models'][number];
export type Validation = NonNullable<AnalysisRun['summary']['validation']>[number];
export type AnalysisJob = Json<AnalysisJobView>;

// Customers and people
export type CustomerPage = Json<CustomerList>;
export type Profile = Json<CustomerProfile>;
export type Preferences = Json<ContactPreferencesView>;
export type Timeline = Json<ServerTimeline>;
export type TimelineEvent = Timeline['events'][number];
export type Team = Json<ServerTeam>;
export type Employee = Json<ServerEmployee>;

// Imports
export type ImportResult = Json<ImportUploadResult>;
export type ImportRow = Json<ImportLogEntry>;

// Win back: cycles, targets, the call workspace, offers
export type CycleSummary = Json<ServerCycleSummary>;
export type CycleProgress = Json<ServerCycleProgress>;
export type CreatedCycle = Json<Awaited<ReturnType<typeof createCycle>>>;
export type CycleTargets = Json<CycleTargetPage>;
export type CycleTarget = CycleTargets['targets'][number];
export type Workspace = Json<CallWorkspace>;
export type Proposal = Workspace['offers'][number];
export type Claim = Json<ClaimedCall>;
export type Offer = Json<ServerOffer>;
