export function NotificationsTab() { return <div data-testid="notifications-tab" />; }
