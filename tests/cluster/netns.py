"""Three Ray nodes as separate network hosts on one machine: network namespaces joined by a bridge.

`Hosts` creates a Linux bridge in the root namespace (the test process reaches every node through
it) and one namespace per node, each with a veth pair and its own address. `Hosts.close()` kills
every process left in the namespaces (SIGKILL) and removes namespaces, veths and the bridge, and it
also clears leftovers of an earlier run that died before cleaning up.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

PREFIX = "ags"  # every namespace, link and bridge this module creates starts with it (cleanup finds them)
BRIDGE = f"{PREFIX}-br0"
SUBNET = "10.77.15"
GATEWAY = f"{SUBNET}.1"
RESOLV_DIR = Path("/etc/netns")


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


@dataclass
class Host:
    """One network namespace with its own address on the bridge."""

    name: str
    address: str

    @property
    def namespace(self) -> str:
        return f"{PREFIX}-{self.name}"

    def command(self, argv: Sequence[str]) -> list[str]:
        """`argv` run inside this host's namespace."""
        return ["ip", "netns", "exec", self.namespace, *argv]

    def run(self, argv: Sequence[str], env: dict[str, str], timeout: float = 180) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.command(argv), env=env, capture_output=True, text=True, timeout=timeout)

    def pids(self) -> list[int]:
        found = _ip("netns", "pids", self.namespace, check=False).stdout.split()
        return [int(pid) for pid in found if pid.isdigit()]

    def kill_all(self) -> int:
        """SIGKILL every process of this host (what a power cut does to a node); returns how many."""
        killed = 0
        for _ in range(5):  # processes may fork while we kill; repeat until the namespace is empty
            pids = self.pids()
            if not pids:
                break
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                    killed += 1
                except ProcessLookupError:
                    pass
            time.sleep(0.3)
        return killed


class Hosts:
    """A bridge and one namespace per host name; addresses SUBNET.10, .11, …"""

    def __init__(self, names: Sequence[str]) -> None:
        self.hosts = {name: Host(name, f"{SUBNET}.{10 + i}") for i, name in enumerate(names)}

    def __getitem__(self, name: str) -> Host:
        return self.hosts[name]

    def create(self) -> None:
        cleanup_leftovers()
        _ip("link", "add", BRIDGE, "type", "bridge")
        _ip("addr", "add", f"{GATEWAY}/24", "dev", BRIDGE)
        _ip("link", "set", BRIDGE, "up")
        for host in self.hosts.values():
            ns, outer = host.namespace, f"{PREFIX}v-{host.name}"[:15]
            _ip("netns", "add", ns)
            # `ip netns exec` bind-mounts /etc/netns/<ns>/resolv.conf: a resolver that answers "refused" at once,
            # so reverse lookups (http.server, Ray) fail fast instead of timing out against an unreachable DNS
            resolv = RESOLV_DIR / ns
            resolv.mkdir(parents=True, exist_ok=True)
            (resolv / "resolv.conf").write_text("nameserver 127.0.0.1\noptions timeout:1 attempts:1\n")
            _ip("link", "add", outer, "type", "veth", "peer", "name", "eth0", "netns", ns)
            _ip("link", "set", outer, "master", BRIDGE)
            _ip("link", "set", outer, "up")
            _ip("-n", ns, "addr", "add", f"{host.address}/24", "dev", "eth0")
            _ip("-n", ns, "link", "set", "eth0", "up")
            _ip("-n", ns, "link", "set", "lo", "up")
            _ip("-n", ns, "route", "add", "default", "via", GATEWAY)

    def close(self) -> None:
        for host in self.hosts.values():
            host.kill_all()
        cleanup_leftovers()


def cleanup_leftovers() -> None:
    """Remove every namespace/link of this module (an earlier run's, too), killing their processes first."""
    for line in _ip("netns", "list", check=False).stdout.splitlines():
        ns = line.split()[0] if line.split() else ""
        if ns.startswith(f"{PREFIX}-"):
            Host(ns[len(PREFIX) + 1 :], "").kill_all()
            _ip("netns", "del", ns, check=False)
    for folder in RESOLV_DIR.glob(f"{PREFIX}-*"):
        shutil.rmtree(folder, ignore_errors=True)
    for line in _ip("-o", "link", "show", check=False).stdout.splitlines():
        parts = line.split(":")
        if len(parts) > 1:
            link = parts[1].strip().split("@")[0]
            if link.startswith(PREFIX):
                _ip("link", "del", link, check=False)
