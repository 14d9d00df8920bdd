/** Remembers the project last opened in this browser (an id, not a secret) so `/` returns to it. */

const STORAGE_KEY = 'agentstack.lastProject';

export function rememberProject(projectId: string): void {
  try {
    window.localStorage.setItem(STORAGE_KEY, projectId);
  } catch {
    // storage unavailable: `/` opens the first project instead
  }
}

export function lastProject(): string | null {
  try {
    return window.localStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}
