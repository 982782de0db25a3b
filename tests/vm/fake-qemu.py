#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A stand-in for qemu-system-x86_64, for the harness self-test's probe
cases (tests/vm/harness-selftest.sh): it boots nothing.

usage: fake-qemu.py QEMU-ARGS...   (installed as qemu-system-x86_64 in PATH)

Takes the console log from "-chardev file,...,path=LOG" and the QMP
sockets from every "-qmp unix:PATH,...", writes a few boot lines to the
log and then stays silent, answering QMP on every socket until SIGTERM.
The vCPU state it reports, in QEMU 7.2's HMP format ("info registers -a",
"info lapic N"), is taken from PLU_FAKE_QEMU_STATES, a comma-separated
list used in turn, one entry per "info registers -a" (one probe of
scripts/qmp.py --cpu-state), over and over:

  idle      both vCPUs halted with interrupts on, no vector in service
  wedged    vCPU 0 halted with interrupts on and the local timer's vector
            (236) in service, 236 and 33 (level-triggered) pending: the
            lost EOI
  irqoff    vCPU 0 halted with interrupts off, 236 in service: not a
            wedge (Linux does not halt so, but it is not the lost EOI)
  running   vCPU 0 running with interrupts on, 236 in service: not a
            wedge (a handler that enabled interrupts)

Other knobs, for cases that must end by themselves whatever the load:
  PLU_FAKE_QEMU_CONSOLE  console lines (';' between them) written after
                         the boot lines, e.g. the harness's stage markers
  PLU_FAKE_QEMU_EXIT=N   exit (status 0) once N probes have had their
                         answers; 0: right after the console lines
  PLU_FAKE_QEMU_TICK=S   a console line every S seconds instead of
                         silence; PLU_FAKE_QEMU_TICKS=N: exit after N
  PLU_FAKE_QEMU_LINE_AT=N  a console line while answering probe N
  PLU_FAKE_QEMU_PARTIAL  text written after the console lines, with no
                         end of line (a line cut off)
"""
import json
import os
import select
import signal
import socket
import sys

REGS = ("RAX=0000000000000000 RBX=0000000000000000 RCX=0000000000000001 "
        "RDX=0000000000000000\n"
        "RIP=ffffffff81e3a2f4 RFL=%08x [---Z-P-] CPL=0 II=0 A20=1 SMM=0 "
        "HLT=%d\n"
        "CR0=80050033 CR2=0000000000000000 CR3=0000000002a2e000 "
        "CR4=00350ef0\n")
LAPIC = ("dumping local APIC state for CPU %d \n\n"
         "LVTT\t 0x000400ec active-hi edge                 tsc-deadline "
         "Fixed  (vec 236)\n"
         "SPIV\t 0x000001ff APIC enabled, focus=off, spurious vec 255\n"
         "ESR\t 0x00000000\n"
         "ISR\t %s\n"
         "IRR\t %s\n\n"
         "APR 0x00 TPR 0x00 DFR 0x0f LDR 0x%02x PPR 0x%02x\n")
# state -> per vCPU (HLT, RFLAGS, ISR vectors, IRR vectors); a vector
# above 255 is vector - 256, level-triggered ("33(level)" in QEMU's dump)
STATES = {
    "idle": [(1, 0x246, [], []), (1, 0x246, [], [])],
    "wedged": [(1, 0x246, [236], [256 + 33, 236]), (1, 0x246, [], [])],
    "irqoff": [(1, 0x046, [236], [33]), (1, 0x246, [], [])],
    "running": [(0, 0x246, [236], [33]), (1, 0x246, [], [])],
}


def vecs(v):
    return "".join("%d(level) " % (x - 256) if x > 255 else "%d " % x
                   for x in v) if v else "(none)"


def answer(state, line):
    cpus = STATES[state]
    if line == "info registers -a":
        return "".join("\nCPU#%d\n" % i + REGS % (fl, hlt)
                       for i, (hlt, fl, _, _) in enumerate(cpus))
    if line.startswith("info lapic "):
        i = int(line.split()[2])
        _, _, isr, irr = cpus[i]
        return LAPIC % (i, vecs(isr), vecs(irr), 1 << i,
                        (max(isr) & 0xf0) if isr else 0)
    return None


def main():
    args = sys.argv[1:]
    log, socks = None, []
    for opt, val in zip(args, args[1:]):
        if opt == "-chardev" and "path=" in val:
            log = val.split("path=", 1)[1].split(",")[0]
        elif opt == "-qmp" and val.startswith("unix:"):
            socks.append(val[5:].split(",")[0])
    states = os.environ.get("PLU_FAKE_QEMU_STATES", "idle").split(",")
    if log is None or not socks or any(s not in STATES for s in states):
        sys.exit("fake-qemu: want -chardev file,path=LOG, -qmp unix:PATH "
                 "and PLU_FAKE_QEMU_STATES of %s" % ",".join(STATES))
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    listeners = []
    for path in socks:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.bind(path)
        s.listen(1)
        listeners.append(s)
    lines = ["[    0.000000] Linux version fake (fake-qemu.py)",
             "[    0.400000] Unpacking initramfs..."]
    lines += [x for x in os.environ.get("PLU_FAKE_QEMU_CONSOLE", "").split(";")
              if x]
    with open(log, "a") as f:
        f.write("".join(x + "\r\n" for x in lines) +
                os.environ.get("PLU_FAKE_QEMU_PARTIAL", ""))
    exit_after = int(os.environ.get("PLU_FAKE_QEMU_EXIT", "-1"))
    max_ticks = int(os.environ.get("PLU_FAKE_QEMU_TICKS", "-1"))
    if exit_after == 0:
        return
    greeting = {"QMP": {"version": {}, "capabilities": []}}
    tick = float(os.environ.get("PLU_FAKE_QEMU_TICK", "0")) or None
    line_at = int(os.environ.get("PLU_FAKE_QEMU_LINE_AT", "0"))
    clients, bufs, probes, answered, ticks = [], {}, 0, 0, 0
    while answered != exit_after and ticks != max_ticks:
        r, _, _ = select.select(listeners + clients, [], [], tick)
        if not r:
            ticks += 1
            with open(log, "a") as f:
                f.write("[    1.%06d] tick %d\r\n" % (ticks, ticks))
        for s in r:
            if s in listeners:
                c, _ = s.accept()
                c.sendall(json.dumps(greeting).encode() + b"\n")
                clients.append(c)
                bufs[c] = b""
                continue
            data = s.recv(65536)
            if not data:
                clients.remove(s)
                s.close()
                continue
            bufs[s] += data
            while b"\n" in bufs[s]:
                line, bufs[s] = bufs[s].split(b"\n", 1)
                msg = json.loads(line)
                reply = {"return": {}}
                if msg.get("execute") == "human-monitor-command":
                    cmd = msg["arguments"]["command-line"]
                    if cmd == "info registers -a":
                        probes += 1
                        if probes == line_at:
                            with open(log, "a") as f:
                                f.write("[    2.000000] a line while "
                                        "probed\r\n")
                    state = states[(max(probes, 1) - 1) % len(states)]
                    out = answer(state, cmd)
                    if cmd == "info lapic %d" % (len(STATES[state]) - 1):
                        answered += 1
                    reply = ({"return": out.replace("\n", "\r\n")}
                             if out is not None else
                             {"error": {"class": "GenericError",
                                        "desc": "fake-qemu: " + cmd}})
                if "id" in msg:
                    reply["id"] = msg["id"]
                s.sendall(json.dumps(reply).encode() + b"\n")


if __name__ == "__main__":
    main()
