import { Link, useLocation } from 'react-router-dom';

export function NotFoundPage() {
  const location = useLocation();
  return (
    <div className="center-page" data-testid="not-found">
      <div className="card not-found-card">
        <div className="not-found-code">404</div>
        <h1 className="card-title">Page not found</h1>
        <p className="muted">
          Nothing lives at <code>{location.pathname}</code>.
        </p>
        <Link to="/" className="btn btn-primary">
          Go to traces
        </Link>
      </div>
    </div>
  );
}
