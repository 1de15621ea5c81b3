# SPDX-License-Identifier: GPL-2.0-only
"""Namespaces and processes of bench-emu.py, all removed again (bench/realnet's Topology).

    client (no IP)        ns-3 in real time (the example, in namespace "sim")       server
    [tap emu0, MAC C] == STA ))) lossy 802.11a ((( AP == [tap emu0, MAC S] ------------+
    resoa-clientd,                                      resoa-serverd on emu0,          |
    curl (resoa-run)                                    http.server (kernel TCP runs)   |
                                                        198.51.100.1 s1 ---- i0 198.51.100.2 internet
                                                                                 http.server (ReSoA runs)

The taps belong to the example: it makes them at its start (with 10.99.0.2/24 and
10.99.0.1/24 for the kernel TCP runs, none for ReSoA) and the kernel removes them when it
exits. Names are rbemu-<pid>-<role>; namespaces of a dead earlier rbemu pid are removed on
start, and close() undoes everything in reverse (bench-emu.py runs it from `finally`).
"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "realnet"))
import rbench_topology  # noqa: E402
from rbench_topology import Topology, run  # noqa: E402

PREFIX = "rbemu-"
PUBLIC_ADDRESS = rbench_topology.SERVER_ADDRESS      # 198.51.100.1, resoa-serverd's
INTERNET_ADDRESS = rbench_topology.INTERNET_ADDRESS  # 198.51.100.2
CLIENT_MAC = "02:00:00:e0:00:01"
SERVER_MAC = "02:00:00:e0:00:02"
CLIENT_TCP = "10.99.0.2"
SERVER_TCP = "10.99.0.1"
TAP = "emu0"


def remove_stale():
    """Deletes rbemu-<pid>-* namespaces whose process is gone (a killed earlier run)."""
    for line in run(["ip", "netns", "list"], check=False).splitlines():
        name = line.split(" ")[0]
        if not name.startswith(PREFIX):
            continue
        pid = name[len(PREFIX):].split("-")[0]
        if pid.isdigit() and not os.path.exists("/proc/" + pid):
            run(["ip", "netns", "del", name], check=False)


class EmuTopology(Topology):
    """client, server, internet and sim namespaces; the server-internet veth."""

    def __init__(self, workdir):
        super().__init__(workdir)
        self.prefix = "%s%d-" % (PREFIX, os.getpid())

    def build(self):
        ns = self.ns
        for role in ("client", "server", "internet", "sim"):
            ns[role] = self._add_namespace(role)
        # The wired side of the ReSoA path: offloads on (a veth, not the wireless hop).
        self._veth(ns["server"], "s1", ns["internet"], "i0", offload=True)
        self.ip(ns["server"], "addr", "add", PUBLIC_ADDRESS + "/24", "dev", "s1")
        self.ip(ns["internet"], "addr", "add", INTERNET_ADDRESS + "/24", "dev", "i0")

    def tap_state(self, role):
        return run(["ip", "-n", self.ns[role], "-o", "link", "show", "dev", TAP], check=False)

    def wait_tap(self, role, seconds=10):
        """Until the example's tap carries frames: carrier on (it holds the descriptor) and a
        qdisc attached (frames sent before the link watcher ran vanish)."""
        end = time.monotonic() + seconds
        state = ""
        while time.monotonic() < end:
            state = self.tap_state(role)
            if "LOWER_UP" in state and "qdisc noop" not in state:
                return
            time.sleep(0.01)
        raise RuntimeError("tap %s in %s did not come up: %s" % (TAP, self.ns[role],
                                                                  state.strip() or "none"))

    def wait_tap_gone(self, seconds=10):
        """Until both taps are gone (the example exited; the next run makes them again)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if all("does not exist" in self.tap_state(r) or not self.tap_state(r).strip()
                   for r in ("client", "server")):
                return True
            time.sleep(0.02)
        return False
