export function AnalyticsPage() { return <div className="page" data-testid="analytics-page" />; }
