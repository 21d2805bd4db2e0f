"""``take_arrived(content)``: a request body that came whole with its headers, taken without aiohttp's flow control.

``StreamReader.read_nowait()`` ends every read by asking the connection to resume reading, which feeds the HTTP
parser an empty chunk and resumes the transport even when neither was paused: about 2 us, 3% of the single-report
path (loadtests/README.md). A body that came in one piece, on a connection whose reading was never paused for it,
has nothing to resume, so ``take_arrived`` takes that piece from the reader's buffer and keeps the reader's counts as
``read_nowait`` would. Anything else (a body in several pieces, a chunked one, a paused connection, a reader of
another shape after an aiohttp upgrade) goes through ``read_nowait`` itself.
"""

from __future__ import annotations

from aiohttp import StreamReader

__all__ = ["take_arrived"]


def take_arrived(content: StreamReader) -> bytes | None:
    """The whole body if it has all arrived (``content.is_eof()``), else None and nothing is read."""
    if not content.is_eof():
        return None
    if type(content) is StreamReader and _one_piece_unpaused(content):
        buffer = content._buffer
        body = buffer.popleft()
        content._size -= len(body)
        content._cursor += len(body)
        return body
    return content.read_nowait()


def _one_piece_unpaused(content: StreamReader) -> bool:
    try:
        return (len(content._buffer) == 1 and not content._buffer_offset
                and content._http_chunk_splits is None and content.exception() is None
                and not content._protocol._reading_paused)
    except AttributeError:  # aiohttp's reader changed shape: its public read is always right
        return False
