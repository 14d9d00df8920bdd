export function OverviewPage() { return <div className="page" data-testid="overview-page" />; }
