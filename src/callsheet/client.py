"""`callsheet.connect()`: the methods of `shotgun_api3.Shotgun`, in process, on a real database.

A studio's unit tests use it instead of mockgun. Values come back exactly as the official client
hands them to its caller: datetimes timezone-aware in local time (the client converts the wire's
UTC), dates as "YYYY-MM-DD", and so on; naive datetimes passed in are local time, as the client
treats them. When `shotgun_api3` is installed, faults are also instances of its `Fault` classes, so
`except shotgun_api3.Fault` works unchanged.
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
import shutil
import tempfile
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from callsheet import __version__, faults
from callsheet.site.actor import Actor
from callsheet.site.api import METHODS, ApiMethod, run_operation
from callsheet.site.bootstrap import engine_script_id
from callsheet.site.site import Site

_WIRE_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


# One class per fault class, made once: a pure function of the code (no site data), so a
# second process making its own is the same.
_CLIENT_FAULT_CLASSES: dict[type[faults.Fault], type[Exception]] = {}


def _client_fault_class(fault_class: type[faults.Fault]) -> type[Exception]:
    """A class that is both our fault and shotgun_api3's matching one (when it is installed)."""
    found = _CLIENT_FAULT_CLASSES.get(fault_class)
    if found is None:
        found = _CLIENT_FAULT_CLASSES.setdefault(fault_class, _make_client_fault(fault_class))
    return found


def _make_client_fault(fault_class: type[faults.Fault]) -> type[Exception]:
    try:
        import shotgun_api3
    except ImportError:
        return fault_class
    from callsheet.site.uploads import ThumbnailNotReadyFault

    base: type[Exception] = shotgun_api3.Fault
    if issubclass(fault_class, faults.AuthenticationFault):
        base = shotgun_api3.AuthenticationFault
    elif issubclass(fault_class, ThumbnailNotReadyFault):
        base = shotgun_api3.ShotgunThumbnailNotReady
    return type(fault_class.__name__, (fault_class, base), {})


def to_engine(value: Any) -> Any:
    """Arguments as shotgun_api3 would send them: naive datetimes are local time.

    Every call's arguments pass through here (a find_one's ten field names and its filter
    included), so plain values (text, numbers, None) are passed over without a call."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is list or kind is tuple:
        return [item if type(item) in _PLAIN else to_engine(item) for item in value]
    if kind is dict:
        return {k: item if type(item) in _PLAIN else to_engine(item) for k, item in value.items()}
    if isinstance(value, dt.datetime):
        try:
            moment = value if value.tzinfo else value.astimezone()
            return moment.astimezone(dt.UTC).replace(microsecond=0)
        except (ValueError, OverflowError):  # too close to year 1 to shift: take it as UTC
            return value.replace(tzinfo=dt.UTC, microsecond=0)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return to_engine(dt.datetime.combine(dt.date.today(), value))
    if isinstance(value, dict):
        return {k: to_engine(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_engine(v) for v in value]
    return value


# The types `to_engine` hands on as they are (exact types: subclasses take the long path).
_PLAIN = frozenset({str, int, float, bool, type(None)})


def to_caller(value: Any) -> Any:
    """Results as shotgun_api3 hands them over: UTC datetimes (and wire-form strings) in local time.

    This runs on every value of every find, so the common shapes take the short path: a record's
    values are looked at inline, and only dicts, lists and datetimes cost a call (a call per text
    value was most of a 100-row find's time in process).
    """
    kind = type(value)
    if kind is dict:
        if len(value) == 3 and "type" in value and "id" in value:
            name = value.get("name")
            if type(name) is not str or len(name) != 20:
                return value  # an entity dict (fresh per read): nothing to convert
        converted = {}
        for key, item in value.items():
            if type(item) is str:
                if len(item) == 20 and _WIRE_DATETIME.match(item):
                    item = _wire_moment(item)
            elif type(item) in _CONVERTED:
                item = to_caller(item)
            converted[key] = item
        return converted
    if kind is list:
        return [to_caller(item) if type(item) in _CONVERTED else item for item in value]
    if kind is str:
        return _wire_moment(value) if len(value) == 20 and _WIRE_DATETIME.match(value) else value
    if isinstance(value, dt.datetime):
        return in_local_time(value)
    return value


def records_to_caller(answer: Any) -> Any:
    """`to_caller` of a read's answer (a record, or a list of them) made for this call alone:
    each record's values are converted in place, so only the values that change cost anything
    (copying every record was a third of the conversion of a 500-row find)."""
    if type(answer) is dict:
        _record_to_caller(answer)
        return answer
    if type(answer) is not list:
        return to_caller(answer)
    for index, record in enumerate(answer):
        if type(record) is dict:
            _record_to_caller(record)
        else:
            answer[index] = to_caller(record)
    return answer


def _record_to_caller(record: dict[str, Any]) -> None:
    for key, item in record.items():  # replacing values of existing keys only: safe in the loop
        kind = type(item)
        if kind is str:
            if len(item) == 20 and _WIRE_DATETIME.match(item):
                record[key] = _wire_moment(item)
        elif kind is dict:
            if len(item) == 3 and "type" in item and "id" in item:
                name = item.get("name")
                if type(name) is not str or len(name) != 20:
                    continue  # an entity dict: nothing to convert (to_caller's short path)
            record[key] = to_caller(item)
        elif kind is list:
            record[key] = to_caller(item)
        elif isinstance(item, dt.datetime):
            record[key] = in_local_time(item)


def _wire_moment(text: str) -> dt.datetime:
    moment = dt.datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    return in_local_time(moment)


_CONVERTED = frozenset({dict, list, str, dt.datetime})


@dataclass(frozen=True)
class _Parameters:
    """What a Site operation accepts by keyword: checked on every call, so worked out once
    (inspect.signature and bind took a third of a find_one)."""

    signature: inspect.Signature
    names: frozenset[str]
    required: frozenset[str]

    def check(self, site: Site, actor: Actor, arguments: dict[str, Any]) -> None:
        """TypeError, as `bind` words it, unless the operation accepts `arguments`."""
        if not (self.names >= arguments.keys() >= self.required):
            self.signature.bind(site, actor, **arguments)


_PARAMETERS: dict[tuple[type, str], _Parameters] = {}


def _parameters(site_class: type, operation: str) -> _Parameters:
    found = _PARAMETERS.get((site_class, operation))
    if found is None:
        found = _PARAMETERS.setdefault(
            (site_class, operation), _operation_parameters(site_class, operation)
        )
    return found


def _operation_parameters(site_class: type, operation: str) -> _Parameters:
    signature = inspect.signature(getattr(site_class, operation))
    keyword = [
        p
        for p in list(signature.parameters.values())[2:]  # self, actor
        if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    if len(keyword) != len(signature.parameters) - 2:  # *args or **kwargs: always bind
        return _Parameters(signature, frozenset(), frozenset({"\x00"}))
    names = frozenset(p.name for p in keyword)
    required = frozenset(p.name for p in keyword if p.default is p.empty)
    return _Parameters(signature, names, required)


# The local zone (as `astimezone()` names it) of each quarter hour of UTC time: every zone's
# offsets and changes fall on quarter hours, so the zone of a quarter hour is the zone of every
# moment in it. `astimezone()` asks the C library for each value (3 us here, most of a 500-row
# find's conversion); a fixed zone converts in a tenth of that.
_LOCAL_ZONES: dict[int, dt.tzinfo | None] = {}
_MAX_LOCAL_ZONES = 65_536


def in_local_time(value: dt.datetime) -> dt.datetime:
    """An aware datetime in the local zone, as `value.astimezone()` gives it."""
    try:
        if value.tzinfo is not dt.UTC:
            return value.astimezone()
        quarter = (value.toordinal() * 24 + value.hour) * 4 + value.minute // 15
        zone = _LOCAL_ZONES.get(quarter)
        if zone is None:
            if len(_LOCAL_ZONES) >= _MAX_LOCAL_ZONES:
                _LOCAL_ZONES.clear()
            local = value.astimezone()
            _LOCAL_ZONES[quarter] = local.tzinfo
            return local
        return value.astimezone(zone)
    except (ValueError, OverflowError):  # at the edge of the calendar: keep it in UTC
        return value


class Shotgun:
    """An in-process stand-in for `shotgun_api3.Shotgun`, backed by a Callsheet Site.

    Every method the server takes part in comes from the method table (site/api.py), with
    shotgun_api3's own signature; the client's own methods (user agents, session uuid, close)
    are below. Like the official client, one object serves one thread at a time; open one per
    thread (on the same file or database URL) to work in parallel.
    """

    BACKOFF = 0.75
    MAX_ATTEMPTS = 3

    if TYPE_CHECKING:
        # The table's methods are attached below (setattr): type checkers learn of them here.
        def __getattr__(self, name: str) -> Any: ...

    def __init__(self, site: Site, actor: Actor, *, owns_site: bool = True) -> None:
        self.site = site
        self._actor = actor
        self._owns_site = owns_site
        self.base_url = "callsheet://in-process"
        self.config = _config(self, actor)
        self._user_agents = [f"callsheet/{__version__}"]
        self._server_caps: Any = None
        self._files_dir: _TemporaryFiles | None = None

    # -- what the official client keeps for itself --------------------------------------------
    @property
    def server_info(self) -> dict[str, Any]:
        """The site's `info` (what mockgun-style code reads)."""
        return self.server_caps.server_info  # type: ignore[no-any-return]

    @property
    def server_caps(self) -> Any:
        """shotgun_api3's ServerCapabilities of this site (a plain stand-in without it)."""
        if self._server_caps is None:
            self._server_caps = _server_caps(self.site.info())
        return self._server_caps

    @property
    def actor(self) -> Actor:
        return self._actor

    def set_session_uuid(self, session_uuid: str) -> None:
        """Event rows written from now on carry this session uuid, as over HTTP."""
        self.config.session_uuid = session_uuid
        self._actor = self._actor.with_session(session_uuid)

    def add_user_agent(self, agent: str) -> None:
        """Kept, as the official client keeps it; there is no HTTP to send it on."""
        self._user_agents.append(agent)

    def reset_user_agent(self) -> None:
        self._user_agents = [f"callsheet/{__version__}"]

    def connect(self) -> None:
        """The official client opens its HTTP connection; here there is nothing to open."""

    def close(self) -> None:
        """Close the site if this connection opened it (connect()); idempotent."""
        if self._owns_site:
            self._owns_site = False
            self.site.close()
        if self._files_dir is not None:
            self._files_dir.cleanup()
            self._files_dir = None

    def get_auth_cookie_handler(self) -> Any:
        """A cookie handler holding this caller's session token, as the official client makes."""
        import http.cookiejar
        import urllib.request

        jar = http.cookiejar.CookieJar()
        jar.set_cookie(_session_cookie(self.get_session_token()))  # type: ignore[attr-defined]
        return urllib.request.HTTPCookieProcessor(jar)

    def schema(self, entity_type: str) -> None:
        raise _client_fault_class(faults.Fault)(
            f"Deprecated: use schema_field_read('type':'{entity_type}')"
        )

    def entity_types(self) -> None:
        raise _client_fault_class(faults.Fault)("Deprecated: use schema_entity_read()")

    def _call(self, method: ApiMethod, arguments: dict[str, Any]) -> Any:
        """Run the method's Site operation as this connection's actor (the table's contract)."""
        if method.arguments is not None:
            arguments = method.arguments(arguments)
        try:
            # extra keyword arguments (upload_thumbnail's **kwargs) that the operation lacks
            _parameters(type(self.site), method.operation).check(self.site, self._actor, arguments)
        except TypeError as error:
            raise _client_fault_class(faults.ValueFault)(f"{method.name}: {error}") from None
        try:
            answer = run_operation(self.site, method.operation, self._actor, to_engine(arguments))
        except faults.Fault as fault:
            raise _client_fault_class(type(fault))(fault.message) from None  # type: ignore[arg-type]
        if method.answer is not None:
            answer = method.answer(answer)
        if method.answers_fresh_records:
            return records_to_caller(answer)
        return to_caller(answer)


def _table_method(method: ApiMethod) -> Callable[..., Any]:
    """One shotgun_api3 method of the table, with the official client's exact signature."""
    signature = method.signature()
    bind = _ArgumentBinder.of(signature)

    def call(self: Shotgun, *args: Any, **kwargs: Any) -> Any:
        return self._call(method, bind(self, args, kwargs))

    call.__name__ = call.__qualname__ = method.name
    call.__signature__ = signature  # type: ignore[attr-defined]
    call.__doc__ = f"shotgun_api3's `{method.name}`, answered by Site.{method.operation}."
    return call


_MISSING: Any = object()


@dataclass(frozen=True)
class _ArgumentBinder:
    """A method's arguments as `Signature.bind` + `apply_defaults` give them (every parameter,
    in signature order, without `self`), worked out once per method: `bind` cost a sixth of an
    in-process find_one. Calls that are not plainly valid (an unknown or repeated keyword, too
    many or too few arguments) and methods taking `**kwargs` go through `bind` itself, so their
    TypeErrors stay word for word Python's."""

    signature: inspect.Signature
    names: tuple[str, ...]  # without self
    defaults: dict[str, Any]  # every name; _MISSING for the required ones
    simple: bool  # no **kwargs parameter

    @classmethod
    def of(cls, signature: inspect.Signature) -> _ArgumentBinder:
        parameters = list(signature.parameters.values())[1:]
        return cls(
            signature,
            tuple(p.name for p in parameters),
            {p.name: _MISSING if p.default is p.empty else p.default for p in parameters},
            all(p.kind is p.POSITIONAL_OR_KEYWORD for p in parameters),
        )

    def __call__(self, owner: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        names = self.names
        if self.simple and len(args) <= len(names):
            arguments = dict(self.defaults)
            for name, value in zip(names, args, strict=False):  # args may be fewer
                arguments[name] = value
            if kwargs.keys() <= arguments.keys() and kwargs.keys().isdisjoint(names[: len(args)]):
                arguments.update(kwargs)
                if not any(value is _MISSING for value in arguments.values()):
                    return arguments
        bound = self.signature.bind(owner, *args, **kwargs)  # raises the TypeError
        bound.apply_defaults()
        arguments = dict(bound.arguments)
        del arguments["self"]
        return arguments


for _method in METHODS:
    setattr(Shotgun, _method.name, _table_method(_method))

IMAGE_FIELDS = {"image": "upload_thumbnail", "filmstrip_image": "upload_filmstrip_thumbnail"}


def _with_image_uploads(write: Callable[..., Any]) -> Callable[..., Any]:
    """`create`/`update` as the official client does them: an `image` or `filmstrip_image` in
    the data is a path to upload as the thumbnail after the write, then read back."""
    signature = inspect.signature(write)

    @wraps(write)
    def call(self: Shotgun, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs)
        data = bound.arguments.get("data")
        popped = {}
        if isinstance(data, dict):
            # shotgun_api3 pops both on create; on update an `image` of None stays (a clear)
            keep_none = ("image",) if write.__name__ == "update" else ()
            popped = {
                k: data[k]
                for k in IMAGE_FIELDS
                if k in data and not (k in keep_none and data[k] is None)
            }
            bound.arguments["data"] = {k: v for k, v in data.items() if k not in popped}
        uploads = {k: v for k, v in popped.items() if v}
        for name, path in uploads.items():  # checked before the write, so none is half done
            if not isinstance(path, str) or not Path(path).expanduser().is_file():
                entity_type = bound.arguments.get("entity_type")
                raise _client_fault_class(faults.ValueFault)(
                    f"{entity_type}.{name}: a thumbnail is uploaded from a local file path; "
                    f"{path!r} is none."
                )
        if popped and write.__name__ == "update" and not bound.arguments["data"]:
            result = {"type": bound.arguments["entity_type"], "id": bound.arguments["entity_id"]}
        else:
            result = write(*bound.args, **bound.kwargs)
        for name, path in uploads.items():
            getattr(self, IMAGE_FIELDS[name])(result["type"], result["id"], path)
            found = self.find_one(result["type"], [["id", "is", result["id"]]], [name])  # type: ignore[attr-defined]
            result[name] = (found or {}).get(name)
        return result

    return call


def _cached_session_token(get_session_token: Callable[..., Any]) -> Callable[..., Any]:
    """The official client asks for a session token once and keeps it in `config`."""

    @wraps(get_session_token)
    def call(self: Shotgun) -> Any:
        if not getattr(self.config, "session_token", None):
            self.config.session_token = get_session_token(self)
        return self.config.session_token

    return call


Shotgun.get_session_token = _cached_session_token(Shotgun.get_session_token)  # type: ignore[attr-defined]
Shotgun.create = _with_image_uploads(Shotgun.create)  # type: ignore[attr-defined]
Shotgun.update = _with_image_uploads(Shotgun.update)  # type: ignore[attr-defined]


def _server_caps(info: dict[str, Any]) -> Any:
    try:
        from shotgun_api3.shotgun import ServerCapabilities
    except ImportError:
        return SimpleNamespace(
            host="in-process", server_info=info, version=tuple(info["version"][:3]), is_dev=False
        )
    return ServerCapabilities("in-process", info)


def _config(sg: Shotgun, actor: Actor) -> Any:
    """shotgun_api3's client configuration object, for code that reads `sg.config`."""
    try:
        from shotgun_api3.shotgun import _Config
    except ImportError:
        config: Any = SimpleNamespace(records_per_page=500)
    else:
        config = _Config(sg)  # type: ignore[arg-type]
    config.scheme, config.server, config.api_path = "callsheet", "in-process", "/api3/json"
    config.session_uuid = actor.session_uuid
    if actor.entity_type == "ApiUser":
        config.script_name = actor.name
    return config


def _session_cookie(token: str) -> Any:
    import http.cookiejar

    return http.cookiejar.Cookie(
        0,
        "_session_id",
        token,
        None,
        False,
        "in-process",
        False,
        False,
        "/",
        True,
        False,
        None,
        True,
        None,
        None,
        {},
    )


def connect(
    url_or_path: str | None = None,
    *,
    as_user: dict[str, Any] | str | None = None,
    session_uuid: str | None = None,
    files_dir: str | Path | None = None,
) -> Shotgun:
    """An in-process Shotgun on an in-memory (None), SQLite file or PostgreSQL database.

    `as_user` acts as another HumanUser or ApiUser: an entity dict, or a HumanUser login. By
    default the connection acts as Callsheet's own script. Uploads and downloads use the file
    store in `files_dir`: by default the `files` folder beside a SQLite file (where `callsheet
    serve` keeps the files of its database), else a temporary folder removed on close.
    """
    site = Site.open(url_or_path)
    try:
        actor = _actor(site, as_user, session_uuid)
    except faults.Fault as fault:
        site.close()
        raise _client_fault_class(type(fault))(fault.message) from None  # type: ignore[arg-type]
    try:
        files = _attach_files(site, url_or_path, files_dir)
    except faults.Fault as fault:
        site.close()
        raise _client_fault_class(type(fault))(fault.message) from None  # type: ignore[arg-type]
    connection = Shotgun(site, actor)
    connection._files_dir = files
    return connection


def _attach_files(
    site: Site, url_or_path: str | None, files_dir: str | Path | None
) -> _TemporaryFiles | None:
    """Give the site its file store; a temporary folder (returned, to remove on close) when
    there is no obvious place."""
    from callsheet.files import FileRoom

    temporary = None
    if files_dir is None and url_or_path is not None and "://" not in url_or_path:
        files_dir = Path(url_or_path).resolve().parent / "files"
    if files_dir is None:
        temporary = _TemporaryFiles()
        files_dir = temporary.name
    site.use_files(FileRoom(Path(files_dir), thumbnail_delay_s=0.0))
    return temporary


class _TemporaryFiles:
    """A private files folder, removed on close() or, silently, once its connection is gone:
    in-memory connections are often never closed (mockgun-style tests), and that leaks nothing.
    (tempfile.TemporaryDirectory warns when its finalizer has to clean up.)"""

    def __init__(self) -> None:
        self.name = tempfile.mkdtemp(prefix="callsheet-files-")
        self._remove = weakref.finalize(self, shutil.rmtree, self.name, True)

    def cleanup(self) -> None:
        self._remove()


def _actor(site: Site, as_user: dict[str, Any] | str | None, session_uuid: str | None) -> Actor:
    if as_user is None:
        return site.actor_for("ApiUser", engine_script_id(site), session_uuid)
    if isinstance(as_user, str):
        from callsheet.site.actor import SYSTEM

        user = site.find_one(SYSTEM, "HumanUser", [["login", "is", as_user]])
        if user is None:
            raise faults.ValueFault(f"No HumanUser with login {as_user!r}.")
        return site.actor_for("HumanUser", user["id"], session_uuid)
    if isinstance(as_user, dict):
        return site.actor_for(as_user.get("type"), as_user.get("id"), session_uuid)  # type: ignore[arg-type]
    raise faults.ValueFault(f"as_user must be an entity dict or a login, got {as_user!r}.")
