import { lazy, Suspense, type ComponentType } from 'react';
import { ActingAsSelector, ActingProvider } from './acting';
import { Loading } from './components/ui';
import { Link, useLocation } from './router';

const Overview = lazy(() => import('./pages/Overview'));
const Customers = lazy(() => import('./pages/Customers'));
const CustomerProfile = lazy(() => import('./pages/CustomerProfile'));
const RecoveryList = lazy(() => import('./pages/RecoveryList'));
const Cycles = lazy(() => import('./pages/Cycles'));
const CycleDetail = lazy(() => import('./pages/CycleDetail'));
const Offers = lazy(() => import('./pages/Offers'));
const CallWorkspace = lazy(() => import('./pages/CallWorkspace'));
const Causes = lazy(() => import('./pages/Causes'));
const Data = lazy(() => import('./pages/Data'));

interface RouteDef {
  pattern: RegExp;
  page: ComponentType<{ params: string[] }>;
}

const ROUTES: RouteDef[] = [
  { pattern: /^\/$/, page: Overview },
  { pattern: /^\/customers\/?$/, page: Customers },
  { pattern: /^\/customers\/(\d+)\/?$/, page: CustomerProfile },
  { pattern: /^\/recovery\/?$/, page: RecoveryList },
  { pattern: /^\/cycles\/?$/, page: Cycles },
  { pattern: /^\/cycles\/(\d+)\/?$/, page: CycleDetail },
  { pattern: /^\/offers\/?$/, page: Offers },
  { pattern: /^\/calls\/?$/, page: CallWorkspace },
  { pattern: /^\/causes\/?$/, page: Causes },
  { pattern: /^\/data\/?$/, page: Data },
];

const NAV: [string, string][] = [
  ['/', 'Overview'],
  ['/customers', 'Customers'],
  ['/recovery', 'Recovery list'],
  ['/cycles', 'Rescue cycles'],
  ['/calls', 'Call workspace'],
  ['/offers', 'Offers'],
  ['/causes', 'Reasons & causes'],
  ['/data', 'Data'],
];

function NotFound() {
  return (
    <div className="card">
      <h1>No such page</h1>
      <p>
        <Link to="/">Back to the overview</Link>
      </p>
    </div>
  );
}

export function App() {
  const { path } = useLocation();
  let content = <NotFound />;
  for (const r of ROUTES) {
    const m = r.pattern.exec(path);
    if (m) {
      const Page = r.page;
      content = <Page key={r.pattern.source + (m[1] ?? '')} params={m.slice(1)} />;
      break;
    }
  }
  const active = (to: string) => (to === '/' ? path === '/' : path === to || path.startsWith(to + '/'));
  return (
    <ActingProvider>
      <div className="shell">
        <nav className="side" aria-label="Main">
          <Link to="/" className="brand">
            <img src="/favicon.svg" alt="" width={26} height={26} /> winback
          </Link>
          <ul>
            {NAV.map(([to, label]) => (
              <li key={to}>
                <Link to={to} className={active(to) ? 'active' : undefined} aria-current={active(to) ? 'page' : undefined}>
                  {label}
                </Link>
              </li>
            ))}
          </ul>
          <div className="side-foot">customer recovery management</div>
        </nav>
        <div className="main-col">
          <header className="top">
            <ActingAsSelector />
          </header>
          <main>
            <Suspense fallback={<Loading what="Opening the page" />}>{content}</Suspense>
          </main>
        </div>
      </div>
    </ActingProvider>
  );
}
