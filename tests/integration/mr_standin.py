#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# tests/integration/mr_standin.py - stand-ins for the lisp-mrd integration tests, written
# independently of the C codecs so they cross-check the wire format (RFC 9301 §5.2 Map-Request,
# §5.4 Map-Reply, §5.8 ECM):
#   itr ADDR MR_PORT EID [--iid N] [--retries N] [--interval S] [--nonce HEX]
#       send an ECM'd Map-Request for EID to the Map-Resolver at ADDR:MR_PORT from an ephemeral
#       port of ADDR (ITR-RLOC = ADDR, inner source port = that port), retransmitting the SAME
#       nonce every --interval seconds, and print the Map-Reply as one JSON line (exit 1 if none).
#   ms ADDR PORT RLOC [--log FILE]
#       a Map-Server stand-in answering every ECM'd Map-Request with a proxy Map-Reply
#       (EID host prefix -> RLOC, TTL 1440) sent to the first ITR-RLOC at the inner source port.
#   raw ADDR PORT HEX   send one datagram of raw bytes.
import ipaddress
import json
import socket
import struct
import sys
import time


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def afi_addr(ip):
    a = ipaddress.ip_address(ip)
    return struct.pack("!H", 1 if a.version == 4 else 2) + a.packed


def eid_addr(ip, iid):
    if not iid:
        return afi_addr(ip)
    inner = afi_addr(ip)
    # LCAF Instance ID (RFC 8060 §4.1): AFI 16387, rsvd, flags, type 2, IID mask-len 32, length
    return struct.pack("!HBBBBH", 16387, 0, 0, 2, 32, 4 + len(inner)) + struct.pack("!I", iid) + inner


def map_request(nonce, itr, eid, iid):
    e = ipaddress.ip_address(eid)
    hdr = struct.pack("!IQ", (1 << 28) | (0 << 8) | 1, nonce)
    body = struct.pack("!H", 0) + afi_addr(itr)
    rec = struct.pack("!BB", 0, 32 if e.version == 4 else 128) + eid_addr(eid, iid)
    return hdr + body + rec


def ecm(inner_src, inner_dst, sport, msg):
    s = ipaddress.ip_address(inner_src)
    d = ipaddress.ip_address(inner_dst)
    ulen = 8 + len(msg)
    if s.version == 4:
        pseudo = s.packed + d.packed + struct.pack("!BBH", 0, 17, ulen)
    else:
        pseudo = s.packed + d.packed + struct.pack("!IxxxB", ulen, 17)
    udp = struct.pack("!HHHH", sport, 4342, ulen, 0) + msg
    c = csum(pseudo + udp) or 0xFFFF
    udp = udp[:6] + struct.pack("!H", c) + udp[8:]
    if s.version == 4:
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + ulen, 0, 0, 128, 17, 0, s.packed, d.packed)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    else:
        ip = struct.pack("!IHBB16s16s", 0x60000000, ulen, 17, 128, s.packed, d.packed)
    return struct.pack("!I", 8 << 28) + ip + udp


def parse_addr(b, off):
    (afi,) = struct.unpack_from("!H", b, off)
    off += 2
    if afi == 0:
        return None, 0, off
    if afi == 1:
        return str(ipaddress.IPv4Address(b[off:off + 4])), 0, off + 4
    if afi == 2:
        return str(ipaddress.IPv6Address(b[off:off + 16])), 0, off + 16
    if afi == 16387:
        _, _, typ, _, ln = struct.unpack_from("!BBBBH", b, off)
        off += 6
        end = off + ln
        if typ == 2:
            (iid,) = struct.unpack_from("!I", b, off)
            a, _, _ = parse_addr(b, off + 4)
            return a, iid, end
        return None, 0, end
    raise ValueError("AFI %d" % afi)


ACTS = ["no-action", "natively-forward", "send-map-request", "drop", "drop-policy", "drop-auth"]


def parse_reply(b):
    w0, nonce = struct.unpack_from("!IQ", b, 0)
    if w0 >> 28 != 2:
        raise ValueError("type %d" % (w0 >> 28))
    n = w0 & 0xFF
    off = 12
    recs = []
    for _ in range(n):
        ttl, w1, w2 = struct.unpack_from("!IIH", b, off)
        off += 10 - 2
        nloc = w1 >> 24
        mlen = (w1 >> 16) & 0xFF
        act = (w1 >> 13) & 7
        auth = bool(w1 & 0x1000)
        eid, iid, off = parse_addr(b, off + 2)
        locs = []
        for _ in range(nloc):
            pri, wt, mp, mw, fl = struct.unpack_from("!BBBBH", b, off)
            rloc, _, off = parse_addr(b, off + 6)
            locs.append({"rloc": rloc, "priority": pri, "weight": wt, "flags": fl})
        recs.append({"eid": "%s/%d" % (eid, mlen), "iid": iid, "ttl": ttl,
                     "action": ACTS[act] if act < len(ACTS) else str(act),
                     "authoritative": auth, "locators": locs})
    return {"type": "map-reply", "nonce": "%016x" % nonce, "records": recs}


def cmd_itr(args):
    addr, port, eid = args[0], int(args[1]), args[2]
    iid, retries, interval, nonce = 0, 0, 1.0, int(time.time() * 1e6) & 0xFFFFFFFFFFFF
    i = 3
    while i < len(args):
        if args[i] == "--iid":
            iid = int(args[i + 1])
        elif args[i] == "--retries":
            retries = int(args[i + 1])
        elif args[i] == "--interval":
            interval = float(args[i + 1])
        elif args[i] == "--nonce":
            nonce = int(args[i + 1], 16)
        i += 2
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((addr, 0))
    sport = s.getsockname()[1]
    same = ipaddress.ip_address(eid).version == ipaddress.ip_address(addr).version
    pkt = ecm(addr, eid if same else addr, sport, map_request(nonce, addr, eid, iid))
    s.settimeout(interval)
    for attempt in range(retries + 1):
        s.sendto(pkt, (addr, port))
        try:
            data, frm = s.recvfrom(9000)
        except socket.timeout:
            continue
        r = parse_reply(data)
        r["attempts"] = attempt + 1
        r["from"] = frm[0]
        if r["nonce"] != "%016x" % nonce:
            print(json.dumps({"error": "nonce mismatch", "reply": r}))
            return 1
        print(json.dumps(r))
        return 0
    print(json.dumps({"error": "no reply", "attempts": retries + 1}))
    return 1


def cmd_ms(args):
    addr, port, rloc = args[0], int(args[1]), args[2]
    logf = args[args.index("--log") + 1] if "--log" in args else None
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((addr, port))
    print("listening", flush=True)
    while True:
        data, frm = s.recvfrom(9000)
        try:
            if data[0] >> 4 != 8:
                continue
            v = data[4] >> 4
            hl = (data[4] & 15) * 4 if v == 4 else 40
            sport = struct.unpack_from("!H", data, 4 + hl)[0]
            m = data[4 + hl + 8:]
            w0, nonce = struct.unpack_from("!IQ", m, 0)
            irc = (w0 >> 8) & 31
            _, _, off = parse_addr(m, 12)
            itrs = []
            for _ in range(irc + 1):
                a, _, off = parse_addr(m, off)
                itrs.append(a)
            mlen = m[off + 1]
            eid, iid, off = parse_addr(m, off + 2)
        except (IndexError, struct.error, ValueError) as e:
            print("bad request:", e, flush=True)
            continue
        rec = struct.pack("!IIH", 1440, (1 << 24) | (mlen << 16), 0) + eid_addr(eid, iid)
        rec += struct.pack("!BBBBH", 1, 100, 255, 0, 1) + afi_addr(rloc)
        reply = struct.pack("!IQ", (2 << 28) | 1, nonce) + rec
        s2 = socket.socket(socket.AF_INET6 if ":" in itrs[0] else socket.AF_INET, socket.SOCK_DGRAM)
        s2.sendto(reply, (itrs[0], sport))
        s2.close()
        if logf:
            with open(logf, "a") as f:
                f.write("%016x %s %s %d\n" % (nonce, eid, itrs[0], sport))


def cmd_raw(args):
    fam = socket.AF_INET6 if ":" in args[0] else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.sendto(bytes.fromhex(args[2]), (args[0], int(args[1])))
    return 0


if __name__ == "__main__":
    cmds = {"itr": cmd_itr, "ms": cmd_ms, "raw": cmd_raw}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        print(__doc__ or "usage: mr_standin.py itr|ms|raw ...", file=sys.stderr)
        sys.exit(2)
    sys.exit(cmds[sys.argv[1]](sys.argv[2:]) or 0)
