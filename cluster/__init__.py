"""Running AgentStack on Ray: settings, connections, stream topology, migrations, the launcher."""
