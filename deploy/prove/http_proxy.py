"""A minimal HTTP proxy for the end-to-end proof (deploy/prove/prove-install.sh), nothing else.

The proof's containers live in a private network namespace (this machine's port 1883 is taken, and
the admin node must bind its own), joined to the host by one veth pair and no routing. apt and pip
inside reach Debian's mirror and PyPI through this proxy on the host end of the pair:
`CONNECT host:443` is tunnelled (pip, https), `GET http://host/...` is forwarded on a connection to
that host (apt, http). One upstream per client connection, which is how both clients use a proxy.

    python3 http_proxy.py 10.231.0.1 3128
"""

from __future__ import annotations

import asyncio
import sys
from urllib.parse import urlsplit


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        writer.close()


async def _handle(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
    try:
        head = await client_reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        client_writer.close()
        return
    request_line, _, rest = head.partition(b"\r\n")
    try:
        method, target, version = request_line.decode("latin-1").split(" ", 2)
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            upstream_reader, upstream_writer = await asyncio.open_connection(host, int(port))
            client_writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        else:
            url = urlsplit(target)
            if url.scheme != "http" or not url.hostname:
                raise ValueError(target)
            upstream_reader, upstream_writer = await asyncio.open_connection(url.hostname, url.port or 80)
            path = url.path or "/"
            if url.query:
                path += "?" + url.query
            upstream_writer.write(f"{method} {path} {version}\r\n".encode("latin-1") + rest)
    except (OSError, ValueError) as exc:
        client_writer.write(f"HTTP/1.1 502 Bad Gateway\r\n\r\n{exc}\r\n".encode())
        client_writer.close()
        return
    await asyncio.gather(_pipe(client_reader, upstream_writer), _pipe(upstream_reader, client_writer))


async def main(host: str, port: int) -> None:
    server = await asyncio.start_server(_handle, host, port)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
