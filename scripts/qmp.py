#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""QMP client of the VM harness's host-request channel (scripts/vm-run.sh).

usage: qmp.py QMP_SOCKET RECORD_FILE

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
1 if the connection could not be made, else 0.  See docs/harness.md.
"""
import json
import os
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


def main():
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
