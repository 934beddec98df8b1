#!/usr/bin/env python3
"""TCP relay that delays every chunk it forwards: scripts/faults.sh's stand-in for netem delay.

    delay_relay.py --delay-ms 200 --jitter-ms 100 --stats FILE \
        --link NAME=LISTEN_HOST:PORT,TARGET_HOST:PORT [--link ...]

For every --link it listens on LISTEN_HOST:PORT and forwards each accepted TCP connection
to TARGET_HOST:PORT. Every chunk read from either side is written to the other side
`delay` later, `delay` drawn uniformly from [delay-ms - jitter-ms, delay-ms + jitter-ms]
(netem's `delay 200ms 100ms` without a distribution table is uniform too), and order
within a connection is kept: a chunk is released at max(previous release, arrival + delay),
which is what a TCP receiver sees when netem's jitter reorders packets. It drops nothing.

This is not packet-level netem: it delays the byte stream of each connection, in user
space, so TCP handshakes, ACKs and retransmissions on the two legs (dialer <-> relay,
relay <-> target) are not delayed and congestion control never sees the added RTT; a
chunk is whatever one read() returned (often several messages); buffering is unbounded.

Stats (JSON, rewritten atomically every second and at exit) per link: accepted
connections, bytes and chunks in each direction (`fwd` = dialer -> target, `rev` = back),
and the measured delay (arrival -> write) of the chunks: mean and max in ms. The file
appears once every listener is bound, so its existence means "ready"; it also holds the
relay's pid. --max-secs bounds its life if whoever started it dies. Stdlib only.
"""
import argparse
import asyncio
import json
import os
import random
import signal
import socket
import sys
import time


class Dir:
    """One direction of one link: counters shared by all its connections."""

    def __init__(self):
        self.bytes = 0
        self.chunks = 0
        self.delay_sum = 0.0
        self.delay_max = 0.0

    def to_json(self):
        return {
            "bytes": self.bytes,
            "chunks": self.chunks,
            "delay_mean_ms": round(1000 * self.delay_sum / self.chunks, 1) if self.chunks else None,
            "delay_max_ms": round(1000 * self.delay_max, 1),
        }


class Link:
    def __init__(self, name, listen, target):
        self.name, self.listen, self.target = name, listen, target
        self.connections = 0
        self.open = 0
        self.failed = 0
        self.fwd, self.rev = Dir(), Dir()

    def to_json(self):
        return {
            "listen": "%s:%d" % self.listen,
            "target": "%s:%d" % self.target,
            "connections": self.connections,
            "open": self.open,
            "failed_dials": self.failed,
            "fwd": self.fwd.to_json(),
            "rev": self.rev.to_json(),
        }


def parse_hostport(s):
    host, _, port = s.rpartition(":")
    return host, int(port)


def parse_link(s):
    name, _, rest = s.partition("=")
    listen, _, target = rest.partition(",")
    if not name or not listen or not target:
        raise argparse.ArgumentTypeError("expected NAME=LISTEN_HOST:PORT,TARGET_HOST:PORT, got %r" % s)
    return Link(name, parse_hostport(listen), parse_hostport(target))


def nodelay(writer):
    sock = writer.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass


async def pump(reader, writer, counters, lo, hi):
    """Copies reader to writer, each chunk released at max(previous release, arrival + U(lo, hi))."""
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def sender():
        while True:
            arrival, release, data = await queue.get()
            wait = release - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                if writer.can_write_eof():
                    writer.write_eof()
                return
            writer.write(data)
            await writer.drain()
            took = loop.time() - arrival
            counters.bytes += len(data)
            counters.chunks += 1
            counters.delay_sum += took
            counters.delay_max = max(counters.delay_max, took)

    task = asyncio.ensure_future(sender())
    last = 0.0
    try:
        while True:
            data = await reader.read(65536)
            now = loop.time()
            last = max(last, now + random.uniform(lo, hi))
            queue.put_nowait((now, last, data or None))
            if not data:
                break
        await task
    finally:
        if not task.done():
            task.cancel()


async def handle(link, lo, hi, c_reader, c_writer):
    link.connections += 1
    link.open += 1
    t_writer = None
    try:
        try:
            t_reader, t_writer = await asyncio.wait_for(asyncio.open_connection(*link.target), 10)
        except (OSError, asyncio.TimeoutError):
            link.failed += 1
            return
        nodelay(c_writer)
        nodelay(t_writer)
        a = asyncio.ensure_future(pump(c_reader, t_writer, link.fwd, lo, hi))
        b = asyncio.ensure_future(pump(t_reader, c_writer, link.rev, lo, hi))
        # One side failing (reset) ends the connection; a clean EOF is forwarded (half-close)
        # and the other direction carries on until it ends too.
        done, pending = await asyncio.wait({a, b}, return_when=asyncio.FIRST_EXCEPTION)
        for t in pending:
            t.cancel()
        for t in done:
            t.exception()  # retrieve, so asyncio does not log it
    except (OSError, asyncio.CancelledError):
        pass
    finally:
        link.open -= 1
        for w in (c_writer, t_writer):
            if w is not None:
                w.close()


def write_stats(path, links, args, started):
    doc = {
        "pid": os.getpid(),
        "delay_ms": args.delay_ms,
        "jitter_ms": args.jitter_ms,
        "uptime_s": round(time.monotonic() - started, 1),
        "links": {l.name: l.to_json() for l in links},
    }
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1, sort_keys=True)
    os.replace(tmp, path)


async def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--delay-ms", type=float, default=200)
    p.add_argument("--jitter-ms", type=float, default=100)
    p.add_argument("--stats", required=True, help="JSON stats file (appears when ready)")
    p.add_argument("--link", type=parse_link, action="append", required=True)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--max-secs", type=float, default=None, help="exit after this long whatever happens")
    args = p.parse_args()
    if args.jitter_ms < 0 or args.delay_ms - args.jitter_ms < 0:
        p.error("need 0 <= jitter-ms <= delay-ms")
    random.seed(args.seed)
    lo, hi = (args.delay_ms - args.jitter_ms) / 1000, (args.delay_ms + args.jitter_ms) / 1000
    started = time.monotonic()
    servers = []
    for link in args.link:
        srv = await asyncio.start_server(
            lambda r, w, link=link: handle(link, lo, hi, r, w), *link.listen, reuse_address=True
        )
        servers.append(srv)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    write_stats(args.stats, args.link, args, started)
    while not stop.is_set():
        if args.max_secs is not None and time.monotonic() - started > args.max_secs:
            print("delay_relay: --max-secs reached, exiting", file=sys.stderr)
            break
        try:
            await asyncio.wait_for(stop.wait(), 1)
        except asyncio.TimeoutError:
            pass
        write_stats(args.stats, args.link, args, started)
    for srv in servers:
        srv.close()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(130)
