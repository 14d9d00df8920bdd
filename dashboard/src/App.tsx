import { useCallback, useMemo, useState } from 'react';
import { Route, Routes } from 'react-router-dom';
import { ApiKeyForm } from './components/ApiKeyForm';
import { TopBar } from './components/TopBar';
import { getStoredApiKey, storeApiKey } from './lib/apiKey';
import { AuthContext, type AuthContextValue } from './lib/auth';
import { NotFoundPage } from './pages/NotFoundPage';
import { TraceDetailPage } from './pages/traces/TraceDetailPage';
import { TraceListPage } from './pages/traces/TraceListPage';

export function App() {
  const [apiKey, setApiKey] = useState<string | null>(() => getStoredApiKey());
  /** Message of the last 401 response; while set, the key form is shown. */
  const [authError, setAuthError] = useState<string | null>(null);
  const [editingKey, setEditingKey] = useState(false);

  const reportUnauthorized = useCallback((message: string) => {
    setAuthError(message || 'The API key was rejected.');
  }, []);

  const saveKey = useCallback((key: string) => {
    storeApiKey(key);
    setApiKey(key);
    setAuthError(null);
    setEditingKey(false);
  }, []);

  const auth = useMemo<AuthContextValue>(() => ({ apiKey, reportUnauthorized }), [apiKey, reportUnauthorized]);
  const showKeyForm = !apiKey || authError !== null || editingKey;

  return (
    <AuthContext.Provider value={auth}>
      <div className="app">
        <TopBar apiKey={apiKey} onChangeKey={() => setEditingKey(true)} />
        <main className="main">
          {showKeyForm ? (
            <ApiKeyForm
              initialValue={editingKey ? (apiKey ?? '') : ''}
              error={authError}
              onSave={saveKey}
              onCancel={apiKey && !authError ? () => setEditingKey(false) : undefined}
            />
          ) : (
            // Keyed by the API key so every page refetches after the key changes.
            <Routes key={apiKey}>
              <Route path="/" element={<TraceListPage />} />
              <Route path="/traces" element={<TraceListPage />} />
              <Route path="/traces/:traceId" element={<TraceDetailPage />} />
              <Route path="*" element={<NotFoundPage />} />
            </Routes>
          )}
        </main>
      </div>
    </AuthContext.Provider>
  );
}
