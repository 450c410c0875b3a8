#!/usr/bin/env python3
"""Captures the dns_reply seed corpus (fuzz/corpus/dns_reply/) from a real DNS server: a
private dnsmasq on 127.0.0.1 (port picked free) answering for a.test in every record type the
fuzz target asks, plus NXDOMAIN, an empty answer and a CNAME chain. Run from anywhere:
    python3 fuzz/capture_dns_seeds.py
Needs dnsmasq (scripts/install-deps.sh installs dnsmasq-base)."""
import os
import random
import socket
import struct
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus", "dns_reply")
TYPES = {"A": 1, "NS": 2, "CNAME": 5, "SOA": 6, "PTR": 12, "MX": 15, "TXT": 16, "AAAA": 28,
         "SRV": 33, "CAA": 257}


def free_port():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def query(name, qtype):
    qid = random.randrange(65536)
    header = struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0)  # RD
    qname = b"".join(bytes([len(p)]) + p.encode() for p in name.rstrip(".").split(".")) + b"\0"
    return header + qname + struct.pack(">HH", qtype, 1)


def ask(port, name, qtype):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(query(name, qtype), ("127.0.0.1", port))
    data, _ = s.recvfrom(65535)
    s.close()
    return data


def main():
    port = free_port()
    args = [
        "dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts", "--conf-file=/dev/null",
        "--listen-address=127.0.0.1", "--bind-interfaces", f"--port={port}",
        "--user=" + os.environ.get("USER", "root"), "--pid-file=",
        "--host-record=a.test,10.1.2.3,fd00::3",
        "--host-record=a.test,10.1.2.4",
        "--txt-record=a.test,\"v=spf1 -all\",\"caf\u00e9 \\255\"",
        "--mx-host=a.test,mail.a.test,10",
        "--srv-host=a.test,srv.a.test,5060,1,2",
        "--ptr-record=a.test,host.a.test",
        "--cname=c.test,a.test",
        "--dns-rr=a.test,257,000569737375656c657473656e63727970742e6f7267",
        "--dns-rr=a.test,2,026e7301610474657374" + "00",
        "--auth-zone=zone.test", "--auth-server=ns.zone.test",
        "--local=/test/",
    ]
    proc = subprocess.Popen(args, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        os.makedirs(OUT, exist_ok=True)
        for tname, t in TYPES.items():
            with open(os.path.join(OUT, f"a.test-{tname}"), "wb") as f:
                f.write(ask(port, "a.test", t))
        with open(os.path.join(OUT, "nxdomain-A"), "wb") as f:
            f.write(ask(port, "missing.test", 1))
        with open(os.path.join(OUT, "cname-chain-A"), "wb") as f:
            f.write(ask(port, "c.test", 1))
    finally:
        proc.terminate()
        proc.wait()


if __name__ == "__main__":
    main()
