import { lazy, Suspense, type ReactNode } from 'react';
import { Navigate, Route, Routes } from 'react-router-dom';
import { AppShell } from './app/AppShell';
import { LoadingState } from './components/LoadingState';
import { NotFoundPage } from './components/NotFoundPage';
import { RequireAuth } from './features/auth/components/RequireAuth';
import { UnauthorizedRedirect } from './features/auth/components/UnauthorizedRedirect';
import { LoginPage } from './features/auth/pages/LoginPage';
import { RegisterPage } from './features/auth/pages/RegisterPage';
import { HomeRedirect } from './features/projects/components/HomeRedirect';
import { ProjectLayout } from './features/projects/components/ProjectLayout';
import { NoProjectsPage } from './features/projects/pages/NoProjectsPage';

// Each page is its own chunk, loaded when first opened: the charts (Recharts) and the explorer (markdown,
// virtualised waterfall, agent graph) stay out of the first download.
const LivePage = lazy(() => import('./features/live/pages/LivePage').then((m) => ({ default: m.LivePage })));
const SettingsPage = lazy(() => import('./features/settings/pages/SettingsPage').then((m) => ({ default: m.SettingsPage })));
const TraceDetailPage = lazy(() => import('./features/traces/pages/TraceDetailPage').then((m) => ({ default: m.TraceDetailPage })));
const TraceListPage = lazy(() => import('./features/traces/pages/TraceListPage').then((m) => ({ default: m.TraceListPage })));
const AnalyticsPage = lazy(() => import('./features/analytics/pages/AnalyticsPage').then((m) => ({ default: m.AnalyticsPage })));
const OverviewPage = lazy(() => import('./features/overview/pages/OverviewPage').then((m) => ({ default: m.OverviewPage })));
const SecurityPage = lazy(() => import('./features/security/pages/SecurityPage').then((m) => ({ default: m.SecurityPage })));
const SessionDetailPage = lazy(() => import('./features/sessions/pages/SessionDetailPage').then((m) => ({ default: m.SessionDetailPage })));
const SessionListPage = lazy(() => import('./features/sessions/pages/SessionListPage').then((m) => ({ default: m.SessionListPage })));

function Page({ children }: { children: ReactNode }) {
  return <Suspense fallback={<LoadingState />}>{children}</Suspense>;
}

/** The routes (URL shapes are built in lib/routes.ts; see plan/accounts-api.md "UI routes"). */
export function App() {
  return (
    <>
      <UnauthorizedRedirect />
      <Routes>
        <Route path="/login" element={<LoginPage />} />
        <Route path="/setup" element={<RegisterPage mode="setup" />} />
        <Route path="/signup" element={<RegisterPage mode="signup" />} />
        <Route element={<RequireAuth />}>
          <Route element={<AppShell />}>
            <Route index element={<HomeRedirect to="overview" fallback={<NoProjectsPage />} />} />
            {/* Links from before projects existed open the same view in the default project. */}
            <Route path="traces" element={<HomeRedirect to="traces" fallback={<NoProjectsPage />} />} />
            <Route path="traces/:traceId" element={<HomeRedirect to="traces" fallback={<NoProjectsPage />} />} />
            <Route path="settings" element={<HomeRedirect to="settings" fallback={<Page><SettingsPage /></Page>} />} />
            <Route path="settings/:tab" element={<HomeRedirect to="settings" fallback={<Page><SettingsPage /></Page>} />} />
            <Route path="p/:projectId" element={<ProjectLayout />}>
              <Route index element={<Navigate to="overview" replace />} />
              <Route path="overview" element={<Page><OverviewPage /></Page>} />
              <Route path="security" element={<Page><SecurityPage /></Page>} />
              <Route path="analytics" element={<Page><AnalyticsPage /></Page>} />
              <Route path="traces" element={<Page><TraceListPage /></Page>} />
              <Route path="traces/:traceId" element={<Page><TraceDetailPage /></Page>} />
              <Route path="sessions" element={<Page><SessionListPage /></Page>} />
              <Route path="sessions/:sessionId" element={<Page><SessionDetailPage /></Page>} />
              <Route path="live" element={<Page><LivePage /></Page>} />
              <Route path="settings" element={<Navigate to="projects" replace />} />
              <Route path="settings/:tab" element={<Page><SettingsPage /></Page>} />
            </Route>
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Route>
      </Routes>
    </>
  );
}
