#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""QMP client of the VM harness (scripts/vm-run.sh): its host-request
channel, and the vCPU probe.

usage: qmp.py QMP_SOCKET RECORD_FILE
       qmp.py --cpu-state QMP_SOCKET [RAW_FILE]

Reads "device_del ID" lines on stdin, sends each to QEMU as
{"execute":"device_del","arguments":{"id":ID}} over one QMP session on
QMP_SOCKET, and appends what came of it to RECORD_FILE (also printed on
stderr with a "[vm-run] host: " prefix), one line each:

  ok device_del ID             QEMU accepted the request
  event DEVICE_DELETED ID      QEMU finished the removal
  error ...                    a QMP error, an unknown request, no answer
                               before QEMU went away, or no connection

vm-run.sh fails the run when RECORD_FILE has an "error" line.  Ends when
stdin is closed and every request has its answer (or QEMU has been silent
for 5 s since stdin closed), or when QEMU closes the socket.  Exit status
1 if the connection could not be made, else 0.

--cpu-state asks QEMU (HMP "info registers -a" and "info lapic N") for
each vCPU's state, appends QEMU's answers to RAW_FILE when given, and
prints one line per vCPU:

  cpu N: HLT=0|1 IF=0|1 ISR=V,V|- IRR=V,V|- PPR=0xNN RIP=ADDR

followed, for a vCPU halted with interrupts on and a vector in service
(its local APIC's ISR), by

  wedged cpu N: halted with interrupts on and vector(s) V,V in service

Linux never halts inside an interrupt handler, and it ends every handler
with an EOI, so such a vCPU lost an EOI in QEMU's APIC emulation: it
takes no interrupt of that priority or below again (QEMU 7.2's TCG under
load).  Exit status 0 when a vCPU is wedged, 1 when none is, 2 when QEMU
did not answer.  See docs/harness.md.
"""
import json
import os
import re
import select
import socket
import sys

# QEMU made the socket before the guest could ask for anything, so the
# connection only waits for QEMU's main loop to answer; generous for a
# busy host.
CONNECT_TIMEOUT = 60
# Once stdin is closed: how long to wait for QEMU's last answers.
DRAIN_TIMEOUT = 5


class Qmp:
    def __init__(self, sock_path):
        self.s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.buf = b""
        self.s.settimeout(CONNECT_TIMEOUT)
        self.s.connect(sock_path)
        self.wait_for(lambda m: "QMP" in m)
        self.send({"execute": "qmp_capabilities"})
        m = self.wait_for(lambda m: "return" in m or "error" in m)
        if "error" in m:
            raise RuntimeError(m["error"])
        self.s.settimeout(None)

    def send(self, msg):
        self.s.sendall(json.dumps(msg).encode() + b"\n")

    def fill(self):
        """One recv; returns the complete messages it made available."""
        data = self.s.recv(65536)
        if not data:
            raise EOFError("QMP socket closed")
        self.buf += data
        out = []
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            if line.strip():
                out.append(json.loads(line))
        return out

    def wait_for(self, pred):
        while True:
            for m in self.fill():
                if pred(m):
                    return m


# How long the vCPU probe waits for each of QEMU's answers.
PROBE_TIMEOUT = 60


def hmp(qmp, line):
    """One HMP command over QMP; its output."""
    qmp.send({"execute": "human-monitor-command",
              "arguments": {"command-line": line}})
    m = qmp.wait_for(lambda m: "return" in m or "error" in m)
    if "error" in m:
        raise RuntimeError("%s: %s" % (line, m["error"].get("desc", m["error"])))
    return m["return"].replace("\r\n", "\n")


def vectors(dump, reg):
    """The vectors of an 'info lapic' register line (ISR, IRR): a list.
    QEMU prints "(none)", or each vector with "(level)" after a
    level-triggered one."""
    m = re.search(r"^%s\s+(.*)$" % reg, dump, re.M)
    return [int(v) for v in re.findall(r"\b(\d+)", m.group(1))] if m else []


def cpu_state(sock_path, raw_path):
    """--cpu-state: print each vCPU's state; 0 if one is wedged, else 1."""
    qmp = Qmp(sock_path)
    qmp.s.settimeout(PROBE_TIMEOUT)
    regs = hmp(qmp, "info registers -a")
    raw = ["== info registers -a", regs]
    cpus = re.split(r"^CPU#(\d+)$", regs, flags=re.M)[1:]
    wedged = []
    for idx, block in zip(cpus[0::2], cpus[1::2]):
        lapic = hmp(qmp, "info lapic %s" % idx)
        raw += ["== info lapic %s" % idx, lapic]
        hlt = re.search(r"\bHLT=(\d)", block)
        fl = re.search(r"\b[RE]FL=([0-9a-f]+)", block)
        ip = re.search(r"\b[RE]IP=([0-9a-f]+)", block)
        ppr = re.search(r"\bPPR (0x[0-9a-f]+)", lapic)
        halted = hlt is not None and hlt.group(1) == "1"
        irq_on = fl is not None and int(fl.group(1), 16) & 0x200 != 0
        isr, irr = vectors(lapic, "ISR"), vectors(lapic, "IRR")
        print("cpu %s: HLT=%d IF=%d ISR=%s IRR=%s PPR=%s RIP=%s" % (
            idx, halted, irq_on, ",".join(map(str, isr)) or "-",
            ",".join(map(str, irr)) or "-", ppr.group(1) if ppr else "?",
            ip.group(1) if ip else "?"))
        if halted and irq_on and isr:
            wedged.append("wedged cpu %s: halted with interrupts on and "
                          "vector(s) %s in service" %
                          (idx, ",".join(map(str, isr))))
    if raw_path:
        with open(raw_path, "a") as f:
            f.write("\n".join(raw) + "\n")
    for line in wedged:
        print(line)
    return 0 if wedged else 1


def main():
    if len(sys.argv) in (3, 4) and sys.argv[1] == "--cpu-state":
        try:
            sys.exit(cpu_state(sys.argv[2],
                               sys.argv[3] if len(sys.argv) == 4 else None))
        except (OSError, EOFError, RuntimeError, ValueError) as e:
            print("probe failed: %r" % (e,))
            sys.exit(2)
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sock_path, rec_path = sys.argv[1], sys.argv[2]
    rec = open(rec_path, "a", buffering=1)

    def say(msg):
        rec.write(msg + "\n")
        print("[vm-run] host: " + msg, file=sys.stderr, flush=True)

    try:
        qmp = Qmp(sock_path)
    except Exception as e:
        say("error QMP connection failed: %r" % (e,))
        sys.exit(1)
    stdin = sys.stdin.fileno()
    inbuf = b""
    pending = {}    # QMP id -> the request, until QEMU answers it
    n = 0
    open_in = True
    while True:
        r, _, _ = select.select([stdin, qmp.s] if open_in else [qmp.s], [],
                                [], None if open_in else DRAIN_TIMEOUT)
        if not r:
            break   # stdin closed and QEMU silent for DRAIN_TIMEOUT: done
        if stdin in r:
            data = os.read(stdin, 4096)
            if not data:
                open_in = False
                if not pending:
                    break
            inbuf += data
            while b"\n" in inbuf:
                line, inbuf = inbuf.split(b"\n", 1)
                words = line.decode(errors="replace").split()
                if len(words) == 2 and words[0] == "device_del":
                    n += 1
                    pending[n] = " ".join(words)
                    qmp.send({"execute": "device_del",
                              "arguments": {"id": words[1]}, "id": n})
                else:
                    say("error unknown request: %s" % " ".join(words))
        if qmp.s in r:
            try:
                msgs = qmp.fill()
            except (EOFError, OSError):
                break
            for m in msgs:
                if "event" in m:
                    if m["event"] == "DEVICE_DELETED" and \
                            "device" in m.get("data", {}):
                        say("event DEVICE_DELETED %s" % m["data"]["device"])
                    continue
                req = pending.pop(m.get("id"), "?")
                if "error" in m:
                    say("error %s: %s" % (req, m["error"].get("desc",
                                                              m["error"])))
                else:
                    say("ok %s" % req)
            if not open_in and not pending:
                break
    for req in pending.values():
        say("error %s: no answer before QEMU went away" % req)


if __name__ == "__main__":
    main()
