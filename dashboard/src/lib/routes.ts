/** Every in-app URL is built here, so the route shapes live in one place (see App.tsx for the routes). */

const enc = encodeURIComponent;

export const SETTINGS_TABS = ['projects', 'keys', 'members', 'notifications', 'users', 'account'] as const;
export type SettingsTab = (typeof SETTINGS_TABS)[number];

export function isSettingsTab(value: string | undefined): value is SettingsTab {
  return (SETTINGS_TABS as readonly string[]).includes(value ?? '');
}

export function tracesHref(projectId: string): string {
  return `/p/${enc(projectId)}/traces`;
}

/** The project's landing page: metric cards, open alerts, recent traces. */
export function overviewHref(projectId: string): string {
  return `/p/${enc(projectId)}/overview`;
}

export function securityHref(projectId: string, search = ''): string {
  return `/p/${enc(projectId)}/security${search}`;
}

export function analyticsHref(projectId: string, search = ''): string {
  return `/p/${enc(projectId)}/analytics${search}`;
}

export function traceHref(projectId: string, traceId: string, spanId?: string): string {
  const base = `${tracesHref(projectId)}/${enc(traceId)}`;
  return spanId ? `${base}?span=${enc(spanId)}` : base;
}

export function sessionsHref(projectId: string): string {
  return `/p/${enc(projectId)}/sessions`;
}

export function liveHref(projectId: string): string {
  return `/p/${enc(projectId)}/live`;
}

/** A project's sections, in the order the top bar shows them (the label, the testid suffix, the URL). */
export const PROJECT_SECTIONS = [
  { id: 'overview', label: 'Overview', href: overviewHref },
  { id: 'traces', label: 'Traces', href: tracesHref },
  { id: 'sessions', label: 'Sessions', href: sessionsHref },
  { id: 'live', label: 'Live', href: liveHref },
  { id: 'security', label: 'Security', href: (projectId: string) => securityHref(projectId) },
  { id: 'analytics', label: 'Analytics', href: (projectId: string) => analyticsHref(projectId) },
  { id: 'settings', label: 'Settings', href: (projectId: string) => `/p/${enc(projectId)}/settings` },
] as const;

export function sessionHref(projectId: string, sessionId: string): string {
  return `${sessionsHref(projectId)}/${enc(sessionId)}`;
}

/** Settings of a project, or the project-less settings (account, projects) when `projectId` is null. */
export function settingsHref(projectId: string | null, tab: SettingsTab = 'projects'): string {
  return projectId ? `/p/${enc(projectId)}/settings/${tab}` : `/settings/${tab}`;
}

/**
 * A `next` target is only followed when it is a path of this app (no scheme, no `//host`), so a crafted
 * login link cannot send someone elsewhere after they log in.
 */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return '/';
  if (next.startsWith('/login') || next.startsWith('/setup') || next.startsWith('/signup')) return '/';
  return next;
}

export function loginHref(next?: string): string {
  const target = next ? safeNext(next) : '/';
  return target === '/' ? '/login' : `/login?next=${enc(target)}`;
}

/** The same view in another project: `/p/a/traces/x` → `/p/b/traces`, `/p/a/settings/keys` → `/p/b/settings/keys`. */
export function sameViewInProject(pathname: string, projectId: string): string {
  const match = /^\/p\/[^/]+\/settings\/([^/]+)/.exec(pathname);
  if (match && isSettingsTab(match[1])) return settingsHref(projectId, match[1]);
  const section = /^\/p\/[^/]+\/(overview|security|analytics)/.exec(pathname)?.[1];
  if (section) return `/p/${enc(projectId)}/${section}`;
  return tracesHref(projectId);
}
