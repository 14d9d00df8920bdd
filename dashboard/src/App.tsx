import { Navigate, Route, Routes } from 'react-router-dom';
import { AppShell } from './app/AppShell';
import { NotFoundPage } from './components/NotFoundPage';
import { RequireAuth } from './features/auth/components/RequireAuth';
import { UnauthorizedRedirect } from './features/auth/components/UnauthorizedRedirect';
import { LivePage } from './features/live/pages/LivePage';
import { LoginPage } from './features/auth/pages/LoginPage';
import { RegisterPage } from './features/auth/pages/RegisterPage';
import { HomeRedirect } from './features/projects/components/HomeRedirect';
import { ProjectLayout } from './features/projects/components/ProjectLayout';
import { NoProjectsPage } from './features/projects/pages/NoProjectsPage';
import { SettingsPage } from './features/settings/pages/SettingsPage';
import { TraceDetailPage } from './features/traces/pages/TraceDetailPage';
import { TraceListPage } from './features/traces/pages/TraceListPage';
import { AnalyticsPage } from './features/analytics/pages/AnalyticsPage';
import { OverviewPage } from './features/overview/pages/OverviewPage';
import { SecurityPage } from './features/security/pages/SecurityPage';
import { SessionDetailPage } from './features/sessions/pages/SessionDetailPage';
import { SessionListPage } from './features/sessions/pages/SessionListPage';

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
            <Route path="settings" element={<HomeRedirect to="settings" fallback={<SettingsPage />} />} />
            <Route path="settings/:tab" element={<HomeRedirect to="settings" fallback={<SettingsPage />} />} />
            <Route path="p/:projectId" element={<ProjectLayout />}>
              <Route index element={<Navigate to="overview" replace />} />
              <Route path="overview" element={<OverviewPage />} />
              <Route path="security" element={<SecurityPage />} />
              <Route path="analytics" element={<AnalyticsPage />} />
              <Route path="traces" element={<TraceListPage />} />
              <Route path="traces/:traceId" element={<TraceDetailPage />} />
              <Route path="sessions" element={<SessionListPage />} />
              <Route path="sessions/:sessionId" element={<SessionDetailPage />} />
              <Route path="live" element={<LivePage />} />
              <Route path="settings" element={<Navigate to="projects" replace />} />
              <Route path="settings/:tab" element={<SettingsPage />} />
            </Route>
            <Route path="*" element={<NotFoundPage />} />
          </Route>
        </Route>
      </Routes>
    </>
  );
}
