"""Who may open what on the ``workbook serve`` server: roles, host names and kernel limits.

Voila answers every request the same way: one token opens every notebook. The workbook's apps
need two roles and a few limits, added here around Voila's own handlers:

* **Two credentials.** The *facilitator token* opens everything; the *participant token* (the
  one in the workshop link, absent on a server that listens on this machine only) opens the
  workshop and the dashboards, never the facilitator's board or its kernel. The role travels in
  Jupyter's signed login cookie after the first visit, so later requests need no token.
* **Host names.** Only the names the server was started for are answered (the address it
  listens on, ``localhost`` for a loopback server, any ``--allow-host``): a web page under
  another name cannot drive the apps through a visitor's browser (DNS rebinding).
* **Kernel limits.** Every page that starts a kernel counts against a cap per client address
  and a cap for the whole server; a page over either cap gets a short explanation instead.
* **A kernel is its page's.** Every route that names a kernel (its websocket, Jupyter's kernel
  API, Voila's shutdown route, which names it positionally) is refused to a participant when the
  kernel belongs to the facilitator's board or to a page opened from another address.
* **The request-info socket** (``/voila/query/<kernel>``, through which a preheated kernel
  learns its visitor's address) needs the same credential as the pages.

The settings come from environment variables that ``workbook serve`` sets for the Voila process
(:data:`ENV`); the tokens are removed from the environment at start, so no kernel inherits them.
"""

from __future__ import annotations

import contextvars
import hmac
import ipaddress
import os
import posixpath
import re
import socket
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING, Any, cast

from jupyter_server.auth.identity import IdentityProvider, User
from tornado.log import app_log
from tornado.web import RequestHandler
from tornado.websocket import WebSocketHandler

from ..kernel_env import VISITOR_ADDRESS_ENV

if TYPE_CHECKING:
    import asyncio

    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

    # Voila ships no types. Its identity provider is Jupyter's with Voila's login page, so mypy
    # checks the overrides below against Jupyter's; its kernel manager is declared here as far
    # as this package uses it (voila/voila_kernel_manager.py, ``voila_kernel_manager_factory``).
    _BaseProvider = IdentityProvider

    class VoilaKernelManager(AsyncMappingKernelManager):
        #: notebook name -> the preheated kernels' start-and-render tasks, oldest first
        _pools: dict[str, list[asyncio.Future[dict[str, object]]]]

        async def get_rendered_notebook(
            self, notebook_name: str, extra_kernel_env_variables: dict[str, str] = ..., **kwargs: Any
        ) -> tuple[asyncio.Task[object], list[str], str]:
            """(the rendering task, the cells rendered so far, the kernel id)."""

        def get_pool_size(self, notebook_name: str) -> int: ...

    _KernelManagerBase = VoilaKernelManager
    _HandlerBase = RequestHandler
else:
    try:  # Voila's identity provider (Jupyter Server 2); the module imports Jupyter's login pages
        from voila.voila_identity_provider import VoilaIdentityProvider as _BaseProvider
    except ImportError:  # pragma: no cover - Voila is a dependency
        _BaseProvider = IdentityProvider
    _KernelManagerBase = object
    _HandlerBase = object

#: A kernel id (a UUID), as routes carry it.
_KERNEL_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

FACILITATOR = "facilitator"
PARTICIPANT = "participant"
#: Notebooks only the facilitator may open (their kernels too).
FACILITATOR_APPS = frozenset({"facilitator.ipynb"})

ENV = {
    "facilitator_token": "WORKBOOK_FACILITATOR_TOKEN",
    "participant_token": "WORKBOOK_PARTICIPANT_TOKEN",
    "hosts": "WORKBOOK_ALLOWED_HOSTS",
    "max_kernels": "WORKBOOK_MAX_KERNELS",
    "max_kernels_per_client": "WORKBOOK_MAX_KERNELS_PER_CLIENT",
    "participants_per_device": "WORKBOOK_PARTICIPANTS_PER_DEVICE",
}
SECRETS = (ENV["facilitator_token"], ENV["participant_token"])


@dataclass
class GuardConfig:
    """facilitator_token : opens everything (never empty).
    participant_token : opens the workshop and dashboards; ``""`` lets anyone who reaches the
        server in as a participant (a loopback server).
    hosts : the host names (without port) requests may carry; empty = any (tests only).
    max_kernels, max_kernels_per_client : caps on kernels handed to pages.
    participants_per_device : the participants one network address may join as and answer for
        on the server's own participant page (:class:`workbook.apps.room.Limits`).
    """

    facilitator_token: str
    participant_token: str = ""
    hosts: frozenset[str] = field(default_factory=frozenset)
    max_kernels: int = 80
    max_kernels_per_client: int = 10
    participants_per_device: int = 6

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None, pop: bool = True) -> GuardConfig:
        env = os.environ if environ is None else environ
        facilitator = env.get(ENV["facilitator_token"], "")
        if not facilitator:
            raise SystemExit(f"{ENV['facilitator_token']} is not set: start the server with `workbook serve`.")
        cfg = cls(
            facilitator_token=facilitator,
            participant_token=env.get(ENV["participant_token"], ""),
            hosts=frozenset(h.strip().lower() for h in env.get(ENV["hosts"], "").split(",") if h.strip()),
            max_kernels=int(env.get(ENV["max_kernels"], cls.max_kernels)),
            max_kernels_per_client=int(env.get(ENV["max_kernels_per_client"], cls.max_kernels_per_client)),
            participants_per_device=int(env.get(ENV["participants_per_device"], cls.participants_per_device)),
        )
        if pop:  # kernels inherit the server's environment: keep the credentials out of it
            for name in SECRETS:
                env.pop(name, None)
        return cfg

    def role_for_token(self, token: str) -> str | None:
        if token and hmac.compare_digest(token.encode(), self.facilitator_token.encode()):
            return FACILITATOR
        if self.participant_token and token and hmac.compare_digest(token.encode(), self.participant_token.encode()):
            return PARTICIPANT
        return None


#: Set by :func:`configure` in the Voila process.
CONFIG: GuardConfig | None = None


def configure(cfg: GuardConfig) -> None:
    global CONFIG
    CONFIG = cfg


def _config() -> GuardConfig:
    if CONFIG is None:
        raise RuntimeError("workbook.apps.guard is not configured")
    return CONFIG


def host_names_for(ip: str, extra: tuple[str, ...] = ()) -> frozenset[str]:
    """The host names a server listening on ``ip`` answers to: the address itself; for a loopback
    server ``localhost`` and the loopback addresses; for all interfaces (``0.0.0.0``/``::``) every
    address of this machine and its host name; plus ``extra`` (``--allow-host``)."""
    names = {ip.lower().strip("[]"), *(e.lower().strip("[]") for e in extra)}
    try:
        addr = ipaddress.ip_address(ip.strip("[]"))
    except ValueError:
        addr = None
    if ip == "localhost" or (addr is not None and addr.is_loopback):
        names |= {"localhost", "127.0.0.1", "::1"}
    if addr is not None and addr.is_unspecified:
        import psutil

        names |= {"localhost", "127.0.0.1", "::1", socket.gethostname().lower()}
        for addrs in psutil.net_if_addrs().values():
            for a in addrs:
                if a.family in (socket.AF_INET, socket.AF_INET6):
                    names.add(a.address.split("%")[0].lower())
    return frozenset(names)


def request_host(host_header: str) -> str:
    """The host name of a ``Host`` header, without port or IPv6 brackets, lower case."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


# --------------------------------------------------------------------------------------------
# Identity: two tokens, two roles


class RoleIdentityProvider(_BaseProvider):
    """Jupyter's token login with two tokens: the user's name is the role it gave."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.token = _config().participant_token

    @property
    def auth_enabled(self) -> bool:
        return True  # the facilitator always needs a credential

    @property
    def login_available(self) -> bool:
        return True

    @staticmethod
    def user_for_role(role: str) -> User:
        return User(username=role, name=role.title(), display_name=role.title())

    async def get_user_token(self, handler: RequestHandler) -> User | None:
        role = _config().role_for_token(self.get_token(handler) or "")
        return self.user_for_role(role) if role else None

    async def _get_user(self, handler: RequestHandler) -> User | None:
        user = await super()._get_user(handler)
        if user is not None and user.username not in (FACILITATOR, PARTICIPANT):
            user = None  # a cookie from an older server on the same port
        if user is None and not _config().participant_token:
            # a loopback server: whoever reaches it is a participant without a token
            user = self.user_for_role(PARTICIPANT)
            self.set_login_cookie(handler, user)
        return user

    def process_login_form(self, handler: RequestHandler) -> User | None:
        role = _config().role_for_token(handler.get_argument("password", default=""))
        return self.user_for_role(role) if role else None


def credential_role(handler: RequestHandler) -> str | None:
    """The role a request proves with a token or the signed login cookie (no anonymous fallback)."""
    cfg = _config()
    provider: IdentityProvider | None = handler.settings.get("identity_provider")
    token = ""
    if provider is not None:
        token = provider.get_token(handler) or ""
    role = cfg.role_for_token(token)
    if role:
        return role
    if provider is not None:
        raw = handler.get_secure_cookie(provider.get_cookie_name(handler), **provider.get_secure_cookie_kwargs)
        if raw:
            try:
                user = provider.user_from_cookie(raw.decode())
            except Exception:
                user = None
            if user is not None and user.username in (FACILITATOR, PARTICIPANT):
                return str(user.username)
    return None


# --------------------------------------------------------------------------------------------
# Kernels: who owns which, and how many


@dataclass(frozen=True)
class Visitor:
    client: str  # the remote address
    role: str
    notebook: str  # the notebook the request renders ("" for other requests)


#: The request being served (set by the guard before Voila starts or hands out a kernel).
VISITOR: contextvars.ContextVar[Visitor | None] = contextvars.ContextVar("workbook_visitor", default=None)


class KernelOwners:
    """kernel id -> the visitor it was started for or handed to (preheated spares have none)."""

    def __init__(self) -> None:
        self._owners: dict[str, Visitor] = {}
        #: pages let through the caps whose kernel is not started or handed out yet (by the
        #: visitor object's id): they count against the caps, or a burst of requests arriving
        #: together would all pass before the first kernel is counted
        self._pending: dict[int, Visitor] = {}

    def reserve(self, visitor: Visitor) -> None:
        """Count ``visitor``'s page against the caps until its kernel is recorded or released."""
        self._pending[id(visitor)] = visitor

    def release(self, visitor: Visitor) -> None:
        """The page ended without a kernel (an error, a closed connection): free its place."""
        self._pending.pop(id(visitor), None)

    def record(self, kernel_id: str, visitor: Visitor) -> None:
        self._pending.pop(id(visitor), None)
        self._owners[kernel_id] = visitor

    def get(self, kernel_id: str) -> Visitor | None:
        return self._owners.get(kernel_id)

    def live(self, running: set[str]) -> list[Visitor]:
        """The visitors of running kernels, and of pages whose kernel is on its way."""
        for kid in [k for k in self._owners if k not in running]:
            del self._owners[kid]
        return [*self._owners.values(), *self._pending.values()]


OWNERS = KernelOwners()

#: The most websockets open at once to one kernel. A page needs one (two while it reconnects);
#: hundreds opened to one kernel would use up the server's file descriptors for everyone.
MAX_SOCKETS_PER_KERNEL = 6
#: kernel id -> its websockets open now (kernel channels and the request-info socket).
SOCKETS: Counter[str] = Counter()
#: client address -> its websockets open now, at most :data:`MAX_SOCKETS_PER_KERNEL` times its
#: kernel cap (``--max-kernels-per-client``): one device cannot hold the server's descriptors
#: by spreading sockets over many kernels either.
CLIENT_SOCKETS: Counter[str] = Counter()


def over_limit(running: set[str], client: str) -> tuple[int, str] | None:
    """Why a new page for ``client`` may not start a kernel now, as an HTTP status (429 for this
    client's cap, 503 for the server's) and a sentence (``None``: it may)."""
    cfg = _config()
    live = OWNERS.live(running)
    mine = sum(1 for v in live if v.client == client)
    if mine >= cfg.max_kernels_per_client:
        return 429, (
            f"You already have {mine} pages of this server open, its limit for one device. "
            "Close the pages you no longer use (or wait a minute for them to time out), then reload this one."
        )
    if len(live) >= cfg.max_kernels:
        return 503, (
            f"The server has {len(live)} pages open, its limit. Ask the facilitator, "
            "or try again in a minute when pages others closed have been freed."
        )
    return None


def kernel_role_env(env: dict[str, str], notebook: str, client: str = "") -> dict[str, str]:
    """A kernel's environment: without the server's credentials, with ``WORKBOOK_ROLE`` set to
    what the page it runs for needs (the facilitator's board runs as ``facilitator``) and, for a
    kernel started for a page, the page's remote address in ``WORKBOOK_VISITOR_ADDRESS``
    (:data:`VISITOR_ADDRESS_ENV`)."""
    env = {k: v for k, v in env.items() if k not in SECRETS and k != VISITOR_ADDRESS_ENV}
    env["WORKBOOK_ROLE"] = FACILITATOR if notebook_name(notebook) in FACILITATOR_APPS else PARTICIPANT
    if client:
        env[VISITOR_ADDRESS_ENV] = client
    return env


def notebook_name(path: str) -> str:
    """``/voila/render/./facilitator.ipynb`` -> ``facilitator.ipynb`` (normalised, last part)."""
    return posixpath.basename(posixpath.normpath("/" + (path or "").replace("\\", "/")))


# --------------------------------------------------------------------------------------------
# The handler mixin


def refusal_page(status: int, title: str, text: str) -> str:
    return (
        "<!doctype html><html><head><meta charset='utf-8'><meta name='viewport' content='width=device-width'>"
        f"<title>{escape(title)}</title></head><body style='font-family:sans-serif;max-width:36em;margin:3em auto;"
        f"padding:0 1em;line-height:1.5'><h1 style='font-size:1.4em'>{escape(title)}</h1><p>{escape(text)}</p></body></html>"
    )


class GuardMixin(_HandlerBase):
    """Put in front of every Voila handler class: host check, roles, kernel caps.

    Only Tornado's ``RequestHandler`` may be relied on: Voila's static files and its
    request-info socket are plain Tornado handlers, without Jupyter's ``log`` or
    ``kernel_manager``."""

    #: Set by :func:`guarded`: the handler renders notebooks (the kernel caps apply).
    workbook_renders = False
    #: The page this request was let through the caps for, until its kernel is recorded.
    _workbook_visitor: Visitor | None = None
    #: The kernel this request holds one of :data:`SOCKETS` for, and the address it came from.
    _workbook_socket: str | None = None
    _workbook_socket_client: str = ""

    def _refuse(self, status: int, title: str, text: str) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Cache-Control", "no-store")
        self.finish(refusal_page(status, title, text))

    async def prepare(self) -> None:
        cfg = _config()
        request = self.request
        if cfg.hosts and request_host(request.host or "") not in cfg.hosts:
            app_log.warning("Refused a request for host %r", request.host)
            self._refuse(403, "Unknown host name", "This server does not answer under this name. Use the address the facilitator gave you.")
            return
        parent = super().prepare()
        if parent is not None:
            await parent
        if self._finished:
            return
        kernel_id = self.path_kwargs.get("kernel_id")
        if kernel_id is None:  # routes that take the kernel positionally (/voila/api/shutdown/<id>)
            kernel_id = next((a for a in self.path_args if isinstance(a, str) and _KERNEL_ID.fullmatch(a.strip("/"))), None)
            kernel_id = kernel_id.strip("/") if kernel_id is not None else None
        if kernel_id is not None:
            self._check_kernel(kernel_id)
            if not self._finished and isinstance(self, WebSocketHandler):
                self._count_socket(kernel_id)
        elif self.workbook_renders:
            self._check_render()

    def _role(self) -> str | None:
        user = getattr(self, "current_user", None)
        name = getattr(user, "username", None)
        if name in (FACILITATOR, PARTICIPANT):
            return str(name)
        return credential_role(self)  # handlers outside Jupyter's auth (the request-info socket)

    def _check_kernel(self, kernel_id: str) -> None:
        role = self._role()
        if role is None:
            self._refuse(403, "Not signed in", "Open the link you were given, with its token.")
            return
        owner = OWNERS.get(kernel_id)
        if owner is None or role == FACILITATOR:
            return
        if owner.role == FACILITATOR:
            self._refuse(403, "Facilitator only", "This belongs to the facilitator's board.")
        elif owner.client != (self.request.remote_ip or ""):
            self._refuse(403, "Someone else's page", "This belongs to another visitor's page.")

    def _check_render(self) -> None:
        notebook = notebook_name(self.path_args[0] if self.path_args else "")
        role = self._role()
        if notebook in FACILITATOR_APPS and role != FACILITATOR:
            self._refuse(
                403,
                "Facilitator only",
                "The workshop board needs the facilitator's link. Participants join with the workshop link "
                "the board shows.",
            )
            return
        if notebook.endswith(".ipynb"):
            manager: AsyncMappingKernelManager = self.settings["kernel_manager"]
            running = set(manager.list_kernel_ids())
            client = self.request.remote_ip or ""
            refused = over_limit(running, client)
            if refused is not None:
                self._refuse(refused[0], "Too many open pages", refused[1])
                return
            visitor = Visitor(client, role or PARTICIPANT, notebook)
            OWNERS.reserve(visitor)  # counted from now on, before any await can let another in
            self._workbook_visitor = visitor
            VISITOR.set(visitor)

    def _count_socket(self, kernel_id: str) -> None:
        client = self.request.remote_ip or ""
        per_client = MAX_SOCKETS_PER_KERNEL * _config().max_kernels_per_client
        if SOCKETS[kernel_id] >= MAX_SOCKETS_PER_KERNEL or CLIENT_SOCKETS[client] >= per_client:
            app_log.warning("Refused socket %d to kernel %s from %s", SOCKETS[kernel_id] + 1, kernel_id, client)
            self._refuse(429, "Too many connections", "This page is already open elsewhere too many times. Close the other copies and reload.")
            return
        SOCKETS[kernel_id] += 1
        CLIENT_SOCKETS[client] += 1
        self._workbook_socket = kernel_id
        self._workbook_socket_client = client

    def _release(self, socket: bool = True) -> None:
        if self._workbook_visitor is not None:
            OWNERS.release(self._workbook_visitor)
        kernel_id = self._workbook_socket if socket else None
        if kernel_id is not None:  # once per socket, whichever of the closing hooks runs first
            self._workbook_socket = None
            SOCKETS[kernel_id] -= 1
            if SOCKETS[kernel_id] <= 0:
                del SOCKETS[kernel_id]
            client = self._workbook_socket_client
            CLIENT_SOCKETS[client] -= 1
            if CLIENT_SOCKETS[client] <= 0:
                del CLIENT_SOCKETS[client]

    def on_finish(self) -> None:
        # a websocket's upgrade also "finishes" the request: the socket is released when it closes
        self._release(socket=getattr(self, "ws_connection", None) is None)
        super().on_finish()

    def on_connection_close(self) -> None:
        self._release()
        super().on_connection_close()

    def on_close(self) -> None:  # a websocket closed (WebSocketHandler's hook)
        self._release()
        parent = getattr(super(), "on_close", None)
        if parent is not None:
            parent()


def guarded(handler_class: type[RequestHandler], renders: bool = False) -> type[RequestHandler]:
    """``handler_class`` with :class:`GuardMixin` in front (``renders``: it renders notebooks)."""
    attrs: dict[str, object] = {"workbook_renders": renders}
    guarded_class = type(f"Guarded{handler_class.__name__}", (GuardMixin, handler_class), attrs)
    return cast("type[RequestHandler]", guarded_class)  # type() is typed as returning a plain type


class OwningMixin(_KernelManagerBase):
    """Strips the credentials from kernels' environments, sets their role, and records which
    visitor each kernel was started for or handed to."""

    async def start_kernel(self, *args: Any, **kwargs: Any) -> str:  # type: ignore[override]  # a coroutine in jupyter_server's managers, typed sync in jupyter_client's
        visitor = VISITOR.get()
        env: dict[str, str] | None = kwargs.get("env")
        if env is not None:
            # a kernel for a page carries the page's path; a preheated spare does not
            page = visitor if visitor is not None and "SCRIPT_NAME" in env else None
            kwargs["env"] = kernel_role_env(env, page.notebook if page else "", page.client if page else "")
        else:
            page = None
        kernel_id = await super().start_kernel(*args, **kwargs)
        if page is not None:
            OWNERS.record(kernel_id, page)
        return str(kernel_id)

    async def get_rendered_notebook(
        self, notebook_name: str, *args: Any, **kwargs: Any
    ) -> tuple[asyncio.Task[object], list[str], str]:
        visitor = VISITOR.get()
        result = await super().get_rendered_notebook(notebook_name, *args, **kwargs)
        if visitor is not None:
            OWNERS.record(result[2], visitor)
        return result


def owning_manager(manager_class: type[VoilaKernelManager]) -> type[VoilaKernelManager]:
    """``manager_class`` (Voila's kernel manager) with :class:`OwningMixin` in front."""
    owning = type(f"Owning{manager_class.__name__}", (OwningMixin, manager_class), {})
    return cast("type[VoilaKernelManager]", owning)  # type() is typed as returning a plain type


__all__ = [
    "FACILITATOR",
    "FACILITATOR_APPS",
    "GuardConfig",
    "GuardMixin",
    "PARTICIPANT",
    "RoleIdentityProvider",
    "configure",
    "guarded",
    "host_names_for",
    "kernel_role_env",
    "notebook_name",
    "over_limit",
    "owning_manager",
    "request_host",
]
