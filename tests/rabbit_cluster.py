"""The 3-node RabbitMQ cluster of scripts/rabbit-cluster.sh, as the chaos tests drive it."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "rabbit-cluster.sh"
SERVER = Path("/usr/lib/rabbitmq/bin/rabbitmq-server")
NODES = (1, 2, 3)


def no_cluster() -> str | None:
    """Why the cluster tests cannot run here, or None."""
    if not SERVER.exists():
        return ("no 3-node cluster: Debian's rabbitmq-server is not installed "
                "(apt-get install rabbitmq-server)")
    return None


def _run(*args: str, timeout: float = 180) -> str:
    done = subprocess.run([str(SCRIPT), *args], capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"rabbit-cluster.sh {' '.join(args)} failed: {done.stderr[-2000:]}")
    return done.stdout


@dataclass
class Cluster:
    url: str  # every node, in order: amqp://guest:guest@127.0.0.1:5781,127.0.0.1:5782,...
    ours: bool = True  # started by this run, so stopped by it

    @classmethod
    def start(cls) -> Cluster:
        """Start the cluster, or use the one already running (then left running at the end)."""
        already = all(cls("").running(n) for n in NODES)
        return cls(_run("start").strip().splitlines()[-1], ours=not already)

    def stop(self) -> None:
        if self.ours:
            _run("stop")

    @property
    def hosts(self) -> list[str]:
        return self.url.split("@", 1)[1].rstrip("/").split(",")

    def port(self, n: int) -> int:
        return int(self.hosts[n - 1].rsplit(":", 1)[1])

    def node_url(self, n: int) -> str:
        return f"amqp://guest:guest@{self.hosts[n - 1]}/"

    def url_from(self, *order: int) -> str:
        """Every node, the given ones first: the node a worker connects to while all are up."""
        rest = [n for n in NODES if n not in order]
        return "amqp://guest:guest@" + ",".join(self.hosts[n - 1] for n in (*order, *rest)) + "/"

    def kill(self, n: int) -> None:
        """SIGKILL node n, as a power cut would."""
        _run("kill", str(n))

    def stop_node(self, n: int) -> None:
        _run("stop-node", str(n))

    def start_node(self, n: int) -> None:
        _run("start-node", str(n))

    def running(self, n: int) -> bool:
        pid = Path(os.environ.get("CAMCOUNT_CLUSTER_DIR", "/tmp/camcount-rabbit-cluster"),
                   f"node{n}", "pid")
        try:
            os.kill(int(pid.read_text().strip()), 0)
        except (OSError, ValueError):
            return False
        return True

    def all_up(self) -> None:
        for n in NODES:
            if not self.running(n):
                self.start_node(n)

    def leader(self, queue: str) -> int:
        """The node holding the leader of a quorum queue."""
        alive = next(n for n in NODES if self.running(n))
        for line in _run("ctl", str(alive), "list_queues", "-q", "--no-table-headers",
                         "name", "leader", timeout=60).splitlines():
            name, _, leader = line.partition("\t")
            if name == queue:
                return int(leader.strip().split("@")[0].removeprefix("camcount"))
        raise KeyError(f"no quorum queue {queue!r} on the cluster")
