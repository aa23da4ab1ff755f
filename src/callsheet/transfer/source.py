"""Where a copy's records come from: any server speaking the Shotgun API, through the official
`shotgun_api3` client (one client per reader thread: a client is not thread-safe).

Pages are read by id (keyset paging: `id > last`, ordered by id, 500 at a time), so a page's
cost does not grow with its offset and a resume starts exactly after the last id committed.

A copy's pages are most of its reading, so the client decodes them with orjson and leaves their
date_time values as the wire's UTC text (`"2025-01-06T10:00:00Z"`, which the destination's
kinds parse): shotgun_api3 would otherwise match every string against its date pattern,
`strptime` each time and turn it into local time, for the writer to turn back into UTC
(with the stdlib decode, most of a reader's CPU: bench/profile_transfer.py, docs/benchmarks.md).
It would also have turned a text value that merely looks like a time into a datetime.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import socket
import tempfile
import threading
import urllib.error
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

from callsheet.faults import TransferFault

PAGE_SIZE = 500


class Source(Protocol):
    """What the importer reads (an API server or an archive)."""

    name: str

    def schema(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """`schema_entity_read()` and `schema_read()` answers."""

    def project_visibility(self) -> dict[int, dict[str, Any]]:
        """`schema_read(project)` answers per Project id (only where they differ matters)."""

    def id_bounds(self, entity_type: str, retired: bool) -> tuple[int, int] | None:
        """The smallest and largest id of live (or retired) records (None: none)."""

    def pages(
        self,
        entity_type: str,
        fields: list[str],
        retired: bool,
        after_id: int,
        last_id: int,
        page_size: int = PAGE_SIZE,
    ) -> Iterator[list[dict[str, Any]]]:
        """Records with after_id < id <= last_id in id order, a page at a time (date_time
        values as datetimes or as UTC text: the destination's kinds take both)."""

    def record(self, entity_type: str, entity_id: int, fields: list[str]) -> tuple[Any, bool]:
        """One record and whether it is retired ((None, False): it does not exist)."""

    def download(self, value: dict[str, Any] | str, path: Path) -> bool:
        """Write a file (an upload link dict or a URL) to `path`; False when it has none."""

    def latest_event_id(self) -> int:
        """The id of the source's newest EventLogEntry (0: none)."""

    def events_after(self, event_id: int, limit: int) -> list[dict[str, Any]]:
        """EventLogEntry records after `event_id`, in id order."""

    def bookkeeping(self) -> dict[str, Any] | None:
        """The rows no entity holds (working weeks, role rules, follows, ...) as
        store/bookkeeping.py `archived_rows` gives them, or None when the source cannot say."""

    def close(self) -> None: ...


def _explain(error: BaseException, url: str) -> TransferFault:
    """A clear message for what goes wrong reaching a source."""
    import shotgun_api3

    if isinstance(error, shotgun_api3.AuthenticationFault):
        return TransferFault(
            f"The source {url} refused the credentials ({error}). Check --script/--key or "
            "--login/--password."
        )
    if isinstance(error, urllib.error.URLError | socket.error | http.client.HTTPException):
        return TransferFault(f"Cannot reach the source {url}: {error}.")
    if isinstance(error, shotgun_api3.ProtocolError):
        return TransferFault(f"The source {url} does not answer as a Shotgun API server ({error}).")
    return TransferFault(f"The source {url} answered with an error: {error}")


def _client_class() -> Any:
    """shotgun_api3's client with orjson decoding and, for page reads, times left as text."""
    import orjson
    import shotgun_api3

    class CopyClient(shotgun_api3.Shotgun):  # type: ignore[misc]
        _times_as_text = False

        def _json_loads(self, body: str) -> Any:  # shotgun_api3's hook for decoding answers
            return orjson.loads(body)

        def _transform_inbound(self, data: Any) -> Any:
            return data if self._times_as_text else super()._transform_inbound(data)

        def find_times_as_text(self, *args: Any, **kwargs: Any) -> Any:
            """`find`, date_time values left as the server's UTC text."""
            self._times_as_text = True
            try:
                return self.find(*args, **kwargs)
            finally:
                self._times_as_text = False

    return CopyClient


class ApiSource:
    """A ShotGrid site or another Callsheet, read through `shotgun_api3`."""

    def __init__(
        self,
        url: str,
        *,
        script: str | None = None,
        key: str | None = None,
        login: str | None = None,
        password: str | None = None,
    ) -> None:
        if not (url.startswith("http://") or url.startswith("https://")):
            raise TransferFault(f"The source must be an http:// or https:// URL, got {url!r}.")
        if not ((script and key) or (login and password)):
            raise TransferFault("Give the source's --script and --key, or --login and --password.")
        self.name = url.rstrip("/")
        self._credentials = {
            "script_name": script,
            "api_key": key,
            "login": login,
            "password": password,
        }
        self._local = threading.local()
        self._clients: list[Any] = []
        self._lock = threading.Lock()
        try:  # connect now: a wrong URL or key fails before anything is written
            self.call(lambda sg: sg.find_one("Project", [], ["id"]))
        except BaseException:
            self.close()
            raise

    def client(self) -> Any:
        """This thread's client (made on first use)."""
        made = getattr(self._local, "client", None)
        if made is None:
            given: dict[str, Any] = {k: v for k, v in self._credentials.items() if v}
            try:
                made = _client_class()(self.name, connect=False, **given)
            except Exception as error:
                raise _explain(error, self.name) from None
            self._local.client = made
            with self._lock:
                self._clients.append(made)
        return made

    def call(self, operation: Any) -> Any:
        """Run `operation(client)`, turning client errors into TransferFaults."""
        import shotgun_api3

        try:
            return operation(self.client())
        except shotgun_api3.Fault as fault:
            raise _explain(fault, self.name) from None
        except (
            shotgun_api3.ProtocolError,
            shotgun_api3.AuthenticationFault,
            urllib.error.URLError,
            OSError,
            http.client.HTTPException,
        ) as error:
            raise _explain(error, self.name) from None

    def schema(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return self.call(lambda sg: sg.schema_entity_read()), self.call(lambda sg: sg.schema_read())

    def project_visibility(self) -> dict[int, dict[str, Any]]:
        projects = self.call(lambda sg: sg.find("Project", [], ["id"]))
        return {
            p["id"]: self.call(lambda sg, p=p: sg.schema_read({"type": "Project", "id": p["id"]}))
            for p in projects
        }

    def id_bounds(self, entity_type: str, retired: bool) -> tuple[int, int] | None:
        def edge(direction: str) -> Any:
            return self.call(
                lambda sg: sg.find(
                    entity_type,
                    [],
                    ["id"],
                    order=[{"field_name": "id", "direction": direction}],
                    limit=1,
                    retired_only=retired,
                )
            )

        low = edge("asc")
        if not low:
            return None
        return int(low[0]["id"]), int(edge("desc")[0]["id"])

    def pages(
        self,
        entity_type: str,
        fields: list[str],
        retired: bool,
        after_id: int,
        last_id: int,
        page_size: int = PAGE_SIZE,
    ) -> Iterator[list[dict[str, Any]]]:
        while after_id < last_id:
            filters = [["id", "greater_than", after_id], ["id", "less_than", last_id + 1]]
            page = self.call(
                lambda sg, f=filters: sg.find_times_as_text(
                    entity_type,
                    f,
                    fields,
                    order=[{"field_name": "id", "direction": "asc"}],
                    limit=page_size,
                    retired_only=retired,
                )
            )
            if not page:
                return
            yield page
            after_id = int(page[-1]["id"])
            if len(page) < page_size:
                return

    def record(self, entity_type: str, entity_id: int, fields: list[str]) -> tuple[Any, bool]:
        for retired in (False, True):
            found = self.call(
                lambda sg, r=retired: sg.find(
                    entity_type, [["id", "is", entity_id]], fields, retired_only=r
                )
            )
            if found:
                return found[0], retired
        return None, False

    def download(self, value: dict[str, Any] | str, path: Path) -> bool:
        target: Any = {"url": value} if isinstance(value, str) else value
        if not target.get("url") and target.get("type") == "Attachment":
            target = int(target["id"])
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
        os.close(handle)
        try:
            written = self.call(lambda sg: sg.download_attachment(target, file_path=temporary))
            if written is None:
                return False
            os.replace(temporary, path)
            return True
        except Exception:
            Path(temporary).unlink(missing_ok=True)
            raise
        finally:
            Path(temporary).unlink(missing_ok=True)

    def latest_event_id(self) -> int:
        found = self.call(
            lambda sg: sg.find(
                "EventLogEntry",
                [],
                ["id"],
                order=[{"field_name": "id", "direction": "desc"}],
                limit=1,
            )
        )
        return int(found[0]["id"]) if found else 0

    def events_after(self, event_id: int, limit: int) -> list[dict[str, Any]]:
        return self.call(  # type: ignore[no-any-return]
            lambda sg: sg.find(
                "EventLogEntry",
                [["id", "greater_than", event_id]],
                ["event_type", "entity", "attribute_name", "meta"],
                order=[{"field_name": "id", "direction": "asc"}],
                limit=limit,
            )
        )

    def bookkeeping(self) -> dict[str, Any] | None:
        """None: the API reads a schedule day by day, not the rules behind it, and no role's
        rules; a copy from a server starts with the defaults (docs/transfer.md)."""
        return None

    def close(self) -> None:
        with self._lock:
            for made in self._clients:
                with contextlib.suppress(Exception):  # a client that never connected
                    made.close()
            self._clients.clear()
