# SPDX-License-Identifier: GPL-2.0-only
"""Throwaway namespaces, veth pairs and processes for bench-realnet.py, all removed again.

The same topology as test/realnet/program-rig.*, built with `ip` and `nft`:

    rclient (no IP) c0 ==LHP== s0 \\
                                   server 198.51.100.1 (s1) ---- i0 198.51.100.2 internet
    nclient 10.0.0.2 c0 ==IP== n0 /       resoa-serverd on s0;       realnet-load serve
                          10.0.0.1        nftables masquerade of 10.0.0.0/24 out of s1

Names are rbench-<pid>-<role>; namespaces of a dead rbench pid are removed on start.
Everything made is recorded and undone in reverse by close(), which bench-realnet.py runs
from `finally`, so errors and Ctrl-C (SIGINT/SIGTERM raise) clean up too.
"""
import json
import os
import signal
import subprocess
import time

SERVER_ADDRESS = "198.51.100.1"
INTERNET_ADDRESS = "198.51.100.2"
NAT_SERVER_ADDRESS = "10.0.0.1"
NAT_CLIENT_ADDRESS = "10.0.0.2"
SERVER_MAC = "02:00:00:bb:00:02"
CLIENT_MAC = "02:00:00:bb:00:01"
PREFIX = "rbench-"


def daemon_binaries(build_dir):
    """Paths of resoa-serverd, resoa-clientd, the LD_PRELOAD shim and resoa-run in a build."""
    realnet = os.path.join(build_dir, "realnet")
    return (os.path.join(realnet, "resoa-serverd"), os.path.join(realnet, "resoa-clientd"),
            os.path.join(realnet, "libresoa-preload.so"), os.path.join(realnet, "resoa-run"))


def run(argv, check=True, timeout=30, input_text=None):
    """Runs argv (no shell); returns stdout+stderr. Raises with the output if check fails."""
    p = subprocess.run(argv, input=input_text, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, timeout=timeout)
    if check and p.returncode != 0:
        raise RuntimeError("'%s' failed (%d): %s" % (" ".join(argv), p.returncode, p.stdout.strip()))
    return p.stdout


def remove_stale():
    """Deletes rbench-<pid>-* namespaces whose process is gone (a killed earlier run)."""
    for line in run(["ip", "netns", "list"], check=False).splitlines():
        name = line.split(" ")[0]
        if not name.startswith(PREFIX):
            continue
        pid = name[len(PREFIX):].split("-")[0]
        if pid.isdigit() and not os.path.exists("/proc/" + pid):
            run(["ip", "netns", "del", name], check=False)


class Topology:
    """Namespaces, links, NAT and background processes of one benchmark run."""

    def __init__(self, workdir, mtu=1500, client_offload=False):
        self.prefix = "%s%d-" % (PREFIX, os.getpid())
        self.cc = None  # TCP congestion control of every namespace, once set_cc chose it
        self.workdir = workdir
        self.mtu = mtu
        self.client_offload = client_offload
        self.namespaces = []
        self.veths = []      # (namespace, device)
        self.processes = []  # (Popen, log path)
        self.loss_tables = []  # (namespace, device, table) of the current loss rule
        self.ns = {}

    def build(self):
        """Makes everything; on an exception, close() removes what was made so far."""
        ns = self.ns
        for role in ("internet", "server", "rclient", "nclient"):
            ns[role] = self._add_namespace(role)
        self._veth(ns["server"], "s1", ns["internet"], "i0", offload=True)
        self._veth(ns["rclient"], "c0", ns["server"], "s0", CLIENT_MAC, SERVER_MAC)
        self._veth(ns["nclient"], "c0", ns["server"], "n0")
        self.ip(ns["server"], "addr", "add", SERVER_ADDRESS + "/24", "dev", "s1")
        self.ip(ns["internet"], "addr", "add", INTERNET_ADDRESS + "/24", "dev", "i0")
        self.ip(ns["server"], "addr", "add", NAT_SERVER_ADDRESS + "/24", "dev", "n0")
        self.ip(ns["nclient"], "addr", "add", NAT_CLIENT_ADDRESS + "/24", "dev", "c0")
        self.ip(ns["nclient"], "route", "add", "default", "via", NAT_SERVER_ADDRESS)
        # Many short connections: reuse TIME_WAIT ports and widen the ephemeral range on
        # every namespace that opens them (the NAT client, and the server for ReSoA).
        for role in ("server", "nclient"):
            self.sysctl(ns[role], "net.ipv4.tcp_tw_reuse=1",
                        "net.ipv4.ip_local_port_range=10000 65000")
        self.sysctl(ns["server"], "net.ipv4.ip_forward=1")
        self.nft(ns["server"], """
table ip rbench_nat {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr 10.0.0.0/24 oifname "s1" masquerade
  }
}""")

    def set_cc(self, choices):
        """Sets the first of `choices` the kernel lets a namespace use as every namespace's
        TCP congestion control (a namespace may only pick those in the host's
        net.ipv4.tcp_allowed_congestion_control). "host" keeps the host's default.
        Returns the one set."""
        for cc in choices:
            if cc == "host":
                self.cc = run(["sysctl", "-n", "net.ipv4.tcp_congestion_control"]).strip()
                return self.cc
            try:
                for ns in self.namespaces:
                    self.sysctl(ns, "net.ipv4.tcp_congestion_control=" + cc)
            except RuntimeError:
                continue
            self.cc = cc
            return cc
        raise RuntimeError("none of the congestion controls %s can be set in a namespace "
                           "(net.ipv4.tcp_allowed_congestion_control)" % ", ".join(choices))

    # --- building blocks -------------------------------------------------------------------

    def ip(self, ns, *args):
        return run(["ip", "-n", ns] + list(args))

    def sysctl(self, ns, *settings):
        run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w"] + list(settings))

    def nft(self, ns, ruleset):
        run(["ip", "netns", "exec", ns, "nft", "-f", "-"], input_text=ruleset)

    def _add_namespace(self, role):
        name = self.prefix + role
        run(["ip", "netns", "add", name])
        self.namespaces.append(name)
        # No IPv6: no link-local address and no neighbour discovery on the client links (a
        # pure ReSoA client has no IP address at all). "default" is what later devices get.
        self.sysctl(name, "net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
        self.ip(name, "link", "set", "lo", "up")
        return name

    def _veth(self, ns_a, dev_a, ns_b, dev_b, mac_a=None, mac_b=None, offload=None):
        """A veth pair between two namespaces, up and able to carry frames.

        Client links (offload None -> self.client_offload) get gso_max_segs 1 on both ends
        unless offloads are asked for: the kernel then segments every TCP packet to MTU size
        before it crosses the link, as on a real wireless last hop, so a dropped "frame" is
        one MTU-sized frame for both paths (LHP frames are never bigger than the MTU).
        """
        run(["ip", "link", "add", dev_a, "netns", ns_a, "type", "veth", "peer", "name", dev_b,
             "netns", ns_b])
        self.veths.append((ns_a, dev_a))
        offload = self.client_offload if offload is None else offload
        for ns, dev, mac in ((ns_a, dev_a, mac_a), (ns_b, dev_b, mac_b)):
            args = ["link", "set", dev, "mtu", str(self.mtu)]
            if mac:
                args += ["address", mac]
            if not offload:
                args += ["gso_max_segs", "1"]
            self.ip(ns, *args)
            self.ip(ns, "link", "set", dev, "up")
        for ns, dev in ((ns_a, dev_a), (ns_b, dev_b)):
            self.wait_up(ns, dev)

    def wait_up(self, ns, dev, seconds=10):
        """Until the link watcher attached the qdisc, frames on an "up" veth vanish."""
        end = time.monotonic() + seconds
        state = ""
        while time.monotonic() < end:
            state = self.ip(ns, "-o", "link", "show", "dev", dev)
            if "state UP" in state and "qdisc noop" not in state:
                return
            time.sleep(0.01)
        raise RuntimeError("%s in %s did not come up: %s" % (dev, ns, state))

    # --- loss knob ---------------------------------------------------------------------------

    def client_link_ends(self, path=None):
        """[(namespace, device)] of the client link of `path` ("resoa", "nat"; None: both)."""
        ns = self.ns
        ends = {"resoa": [(ns["rclient"], "c0"), (ns["server"], "s0")],
                "nat": [(ns["nclient"], "c0"), (ns["server"], "n0")]}
        return ends[path] if path else ends["resoa"] + ends["nat"]

    def set_loss(self, percent):
        """Drops `percent` % of frames entering either end of both client links (netdev
        ingress, before anything else sees them: LHP and IP frames alike). 0 = no rule."""
        for ns, _, table in self.loss_tables:
            run(["ip", "netns", "exec", ns, "nft", "delete", "table", "netdev", table], check=False)
        self.loss_tables = []
        if percent <= 0:
            return
        for ns, dev in self.client_link_ends():
            table = "rbench_loss_" + dev
            self.nft(ns, """
table netdev %s {
  chain ingress {
    type filter hook ingress device "%s" priority -500; policy accept;
    numgen random mod 100 < %d counter drop
  }
}""" % (table, dev, percent))
            self.loss_tables.append((ns, dev, table))

    def dropped(self, ns, dev):
        """Frames the loss rule on (ns, dev) dropped so far (0 without a rule)."""
        for t_ns, t_dev, table in self.loss_tables:
            if (t_ns, t_dev) == (ns, dev):
                words = run(["ip", "netns", "exec", ns, "nft", "list", "table", "netdev", table],
                            check=False).split()
                return int(words[words.index("packets") + 1]) if "packets" in words else 0
        return 0

    def link_counters(self, path):
        """(rx frames, rx bytes, dropped frames) summed over both ends of a client link."""
        frames = size = drops = 0
        for ns, dev in self.client_link_ends(path):
            p, b = self.link_rx(ns, dev)
            frames, size, drops = frames + p, size + b, drops + self.dropped(ns, dev)
        return frames, size, drops

    def link_rx(self, ns, dev):
        """(rx packets, rx bytes) of a device; the ingress rule drops after they are counted."""
        stats = json.loads(self.ip(ns, "-j", "-s", "link", "show", "dev", dev))[0]["stats64"]
        return stats["rx"]["packets"], stats["rx"]["bytes"]

    # --- processes ---------------------------------------------------------------------------

    def start(self, role, argv, log_name, env=None):
        """Starts argv in a namespace as its own process group (`ip netns exec` execs it, so
        the pid is the program's). Returns the Popen."""
        log = os.path.join(self.workdir, log_name)
        with open(log, "w") as f:
            p = subprocess.Popen(["ip", "netns", "exec", self.ns[role]] + argv, stdout=f,
                                 stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                 start_new_session=True, env=env)
        self.processes.append((p, log))
        return p

    @staticmethod
    def wait_for(process, log, text, seconds=15):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            with open(log) as f:
                if text in f.read():
                    return True
            if process.poll() is not None:
                break
            time.sleep(0.02)
        return False

    def stop(self, process):
        """SIGTERM to its process group, SIGKILL after 3 s."""
        if process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(3)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                process.wait()

    # --- teardown ----------------------------------------------------------------------------

    def close(self):
        """Stops our processes, deletes our veths, then our namespaces (in reverse). Never
        raises: it runs while an error or Ctrl-C is already on its way out."""
        for p, _ in reversed(self.processes):
            try:
                self.stop(p)
            except Exception:  # noqa: BLE001 (teardown must go on)
                pass
        for ns, dev in reversed(self.veths):
            run(["ip", "-n", ns, "link", "del", dev], check=False)
        for ns in reversed(self.namespaces):
            run(["ip", "netns", "del", ns], check=False)
        self.processes, self.veths, self.namespaces = [], [], []
