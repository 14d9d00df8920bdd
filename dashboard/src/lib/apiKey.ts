/** Persistence of the API key in localStorage (with an in-memory fallback). */

export const API_KEY_STORAGE_KEY = 'agentstack.apiKey';
const URL_PARAM = 'api_key';

let memoryKey: string | null = null;

export function getStoredApiKey(): string | null {
  try {
    const value = window.localStorage.getItem(API_KEY_STORAGE_KEY);
    return value && value.trim() ? value.trim() : null;
  } catch {
    return memoryKey;
  }
}

export function storeApiKey(key: string): void {
  const value = key.trim();
  memoryKey = value;
  try {
    window.localStorage.setItem(API_KEY_STORAGE_KEY, value);
  } catch {
    // Storage unavailable (private mode, disabled cookies): keep it in memory only.
  }
}

export function clearStoredApiKey(): void {
  memoryKey = null;
  try {
    window.localStorage.removeItem(API_KEY_STORAGE_KEY);
  } catch {
    // ignore
  }
}

/**
 * If the page was opened as `...?api_key=ak_...`, store the key and strip it
 * from the address bar (so it does not end up in history or screenshots).
 */
export function captureApiKeyFromUrl(): void {
  let url: URL;
  try {
    url = new URL(window.location.href);
  } catch {
    return;
  }
  const key = url.searchParams.get(URL_PARAM);
  if (key === null) return;
  if (key.trim()) storeApiKey(key);
  url.searchParams.delete(URL_PARAM);
  const cleaned = url.pathname + (url.searchParams.toString() ? `?${url.searchParams}` : '') + url.hash;
  window.history.replaceState(window.history.state, '', cleaned);
}
