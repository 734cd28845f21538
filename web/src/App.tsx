import type { ComponentType } from 'react';
import { ActingAsSelector, ActingProvider } from './acting';
import { Link, useLocation } from './router';
// The pages are in the main bundle (about 40 KB compressed together): loading them lazily put a Suspense fallback
// in front of every first render, and React holds a revealed fallback for 300 ms — most of a page's load time.
// echarts, the one large dependency, is still loaded on demand by the Chart component.
import CallWorkspace from './pages/CallWorkspace';
import Causes from './pages/Causes';
import CustomerProfile from './pages/CustomerProfile';
import Customers from './pages/Customers';
import CycleDetail from './pages/CycleDetail';
import Cycles from './pages/Cycles';
import Data from './pages/Data';
import Offers from './pages/Offers';
import Overview from './pages/Overview';
import RecoveryList from './pages/RecoveryList';

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
            {content}
          </main>
        </div>
      </div>
    </ActingProvider>
  );
}
