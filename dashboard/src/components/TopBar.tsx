import { Link, useLocation } from 'react-router-dom';

interface TopBarProps {
  apiKey: string | null;
  onChangeKey: () => void;
}

function maskKey(key: string): string {
  if (key.length <= 10) return `${key.slice(0, 3)}…`;
  return `${key.slice(0, 6)}…${key.slice(-4)}`;
}

export function TopBar({ apiKey, onChangeKey }: TopBarProps) {
  const { pathname } = useLocation();
  const tracesActive = pathname === '/' || pathname === '/traces' || pathname.startsWith('/traces/');
  return (
    <header className="topbar">
      <div className="topbar-left">
        <Link to="/" className="brand" aria-label="AgentStack home">
          <span className="brand-mark" aria-hidden="true">
            <span />
            <span />
            <span />
          </span>
          <span className="brand-name">AgentStack</span>
        </Link>
        <nav className="topnav" aria-label="Main">
          <Link to="/traces" className={`topnav-link${tracesActive ? ' active' : ''}`}>
            Traces
          </Link>
        </nav>
      </div>
      <div className="topbar-right">
        {apiKey ? (
          <span className="key-chip mono" title="API key in use (stored in this browser)">
            {maskKey(apiKey)}
          </span>
        ) : null}
        <button type="button" className="btn btn-small btn-ghost" onClick={onChangeKey} data-testid="api-key-change">
          Change key
        </button>
      </div>
    </header>
  );
}
