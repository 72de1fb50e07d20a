#!/usr/bin/env python3
"""pg-proxy.py: a station's way to the test's PostgreSQL, which the test can cut or stall

Usage: pg-proxy.py LISTEN_DIR TARGET_DIR PORT

Listens on the Unix socket LISTEN_DIR/.s.PGSQL.PORT and passes every
connection on to TARGET_DIR/.s.PGSQL.PORT, byte for byte. The test cuts the
station off by killing this process (its connections drop, new ones are
refused) and restores it by starting it again.

A line "stall" on stdin makes it a network that swallows packets: every
socket stays open, nothing is forwarded either way, and new connections
are accepted but not passed on. A line "forward" passes on again what was
held, as TCP does once the network is back. Each line is answered with
"ok" when done. It leaves when its stdin closes, so a test that dies takes
it along.
"""

import asyncio
import os
import sys


async def pipe(reader, writer, flowing):
    try:
        while True:
            await flowing.wait()
            data = await reader.read(65536)
            if not data:
                break
            await flowing.wait()
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def main(listen_dir, target_dir, port):
    listen = os.path.join(listen_dir, f".s.PGSQL.{port}")
    target = os.path.join(target_dir, f".s.PGSQL.{port}")
    flowing = asyncio.Event()
    flowing.set()

    async def serve(client_reader, client_writer):
        await flowing.wait()
        try:
            server_reader, server_writer = await asyncio.open_unix_connection(target)
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(pipe(client_reader, server_writer, flowing),
                             pipe(server_reader, client_writer, flowing))

    if os.path.exists(listen):
        os.unlink(listen)
    server = await asyncio.start_unix_server(serve, path=listen)
    # The test waits for this line before it connects.
    print("listening", flush=True)
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    async with server:
        while line := await stdin.readline():
            if line.strip() == b"stall":
                flowing.clear()
            elif line.strip() == b"forward":
                flowing.set()
            print("ok", flush=True)


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
