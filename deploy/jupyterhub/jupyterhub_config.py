"""JupyterHub for a PMO team: sign-in, roles by group, dashboards for managers, Lab for analysts.

Who gets what (groups are managed in the hub's admin page, or seeded by PMKIT_HUB_GROUPS):

- ``managers`` (and anyone in no role group) land on the Voila dashboards (the landing page):
  their server runs read-only (no notebook can be saved, no code reaches a kernel: only widget
  traffic does) -- they look, they do not program.
- ``analysts`` get JupyterLab on the same notebooks (and can still open every dashboard).
- ``change-board`` members alone may record change-board decisions; the decision row carries
  their hub user name (JUPYTERHUB_USER).

Every server reads and writes the same portfolio store: ``PMKIT_DATA`` (a PostgreSQL URL in a
team deployment, see docs/DEPLOY.md). Idle servers are stopped by jupyterhub-idle-culler.

Settings come from the environment so one file serves the trial (``make hub``), the tests and a
real host:

==========================  ==============================================================
PMKIT_DATA                  the portfolio store (postgresql://USER@HOST/DB; default sample)
PMKIT_DATA_READ / _BOARD    optional: the same database under a read-only role and a change
                            board role (``pmkit db grant``); change-board members get _BOARD,
                            everyone else _READ, so the database itself refuses what the
                            dashboards hide (analysts run code)
PMKIT_HUB_IP / _PORT        where the hub listens (default 127.0.0.1:8000)
PMKIT_HUB_STATE             folder for the hub database and cookie secret (default ./.hub)
PMKIT_HUB_ADMINS            comma list of hub admins (they approve NativeAuthenticator sign-ups)
PMKIT_HUB_GROUPS            JSON {"managers": [...], "analysts": [...], "change-board": [...]}
PMKIT_HUB_SPAWNER           "simple" (all servers as the hub's user: trial/test) or "local"
                            (one system user per hub user: production) -- default "local"
                            when run as root with PMKIT_HUB_SPAWNER unset, else "simple"
PMKIT_HUB_IDLE_TIMEOUT      seconds before an idle server is culled (default 3600)
PMKIT_HUB_AUTH              "native" (default). "dummy" exists for the tests only and is
                            refused unless the hub listens on loopback.
==========================  ==============================================================
"""

# ruff: noqa: F821  (``c`` is JupyterHub's config object, injected when this file is loaded)
from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
BOARD_GROUP = os.environ.get("PMKIT_BOARD_GROUP", "change-board")
ROLE_GROUPS = ("managers", "analysts", BOARD_GROUP)
LANDING = "/voila/render/index.ipynb"
STATE = Path(os.environ.get("PMKIT_HUB_STATE", REPO / ".hub")).resolve()
STATE.mkdir(parents=True, exist_ok=True, mode=0o700)
IP = os.environ.get("PMKIT_HUB_IP", "127.0.0.1")
LOOPBACK = IP in ("127.0.0.1", "localhost", "::1")
# What a dashboard viewer's browser may send to a kernel (pmkit.cli.VIEWER_MESSAGE_TYPES).
VIEWER_MESSAGES = (
    "comm_open",
    "comm_msg",
    "comm_close",
    "comm_info_request",
    "kernel_info_request",
)

# ---------------------------------------------------------------- the hub itself
_host = f"[{IP}]" if ":" in IP else IP
c.JupyterHub.bind_url = f"http://{_host}:{int(os.environ.get('PMKIT_HUB_PORT', '8000'))}"
c.JupyterHub.hub_ip = "127.0.0.1"
_port = int(os.environ.get("PMKIT_HUB_PORT", "8000"))
c.JupyterHub.hub_port = int(os.environ.get("PMKIT_HUB_API_PORT", _port + 1))  # internal
_api = int(os.environ.get("PMKIT_HUB_PROXY_API_PORT", _port + 2))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{_api}"
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "proxy.pid")
c.JupyterHub.cleanup_servers = True
_proxy = Path(sys.executable).parent / "configurable-http-proxy"  # the pure-Python one (pip)
if _proxy.exists():
    # the spawn page streams progress for as long as a server takes to start: no 20 s cut-off
    c.ConfigurableHTTPProxy.command = [str(_proxy), "--timeout=600000", "--proxy-timeout=600000"]
elif shutil.which("configurable-http-proxy") is None:  # pragma: no cover - message only
    print("jupyterhub_config: install configurable-http-proxy (pip install '.[team]')")

# ---------------------------------------------------------------- sign-in
auth = os.environ.get("PMKIT_HUB_AUTH", "native")
if auth == "dummy":
    if not LOOPBACK:
        raise SystemExit("PMKIT_HUB_AUTH=dummy is for tests on loopback only")
    c.JupyterHub.authenticator_class = "dummy"
    c.DummyAuthenticator.password = os.environ["PMKIT_HUB_TEST_PASSWORD"]
else:
    import nativeauthenticator

    c.JupyterHub.authenticator_class = "native"
    c.JupyterHub.template_paths = [f"{Path(nativeauthenticator.__file__).parent}/templates/"]
    c.NativeAuthenticator.open_signup = False  # an admin approves each sign-up
    c.NativeAuthenticator.minimum_password_length = 10
    c.NativeAuthenticator.check_common_password = True
    c.NativeAuthenticator.allowed_failed_logins = 5
    c.NativeAuthenticator.seconds_before_next_try = 600
c.Authenticator.allow_all = True  # sign-in itself is the gate (approved accounts only)
c.Authenticator.admin_users = {
    u.strip() for u in os.environ.get("PMKIT_HUB_ADMINS", "").split(",") if u.strip()
}
_groups = json.loads(os.environ.get("PMKIT_HUB_GROUPS", "{}") or "{}")
c.JupyterHub.load_groups = {
    name: {"users": list(_groups.get(name, []))} for name in sorted({*ROLE_GROUPS, *_groups})
}

# ---------------------------------------------------------------- single-user servers
_spawner = os.environ.get("PMKIT_HUB_SPAWNER") or (
    "local" if os.geteuid() == 0 and not LOOPBACK else "simple"
)
if _spawner == "simple":
    c.JupyterHub.spawner_class = "simple"
    c.SimpleLocalProcessSpawner.home_dir_template = str(STATE / "home" / "{username}")
else:
    c.JupyterHub.spawner_class = "jupyterhub.spawner.LocalProcessSpawner"
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
c.Spawner.notebook_dir = str(NOTEBOOKS)
c.Spawner.default_url = LANDING
c.Spawner.start_timeout = 300
c.Spawner.http_timeout = 300
c.Spawner.environment = {
    "PMKIT_DATA": os.environ.get("PMKIT_DATA", str(REPO / "data")),
    "PMKIT_BOARD_GROUP": BOARD_GROUP,
}
c.Spawner.args = [*(["--allow-root"] if _spawner == "simple" and os.geteuid() == 0 else [])]


def _config_dir(name: str, conf: dict[str, object]) -> str:
    """A jupyter config folder for the user servers (lists are safer in JSON than on argv)."""
    folder = STATE / "server-config" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "jupyter_server_config.json").write_text(json.dumps(conf, indent=1))
    return str(folder)


COMMON = _config_dir(
    "common",
    {
        "ServerApp": {"terminals_enabled": False},
        "VoilaConfiguration": {
            "show_tracebacks": False,
            "file_allowlist": [r".*\.(png|jpg|gif|svg|css)"],
            "extension_allowlist": [],
            # as pmkit serve (pmkit.cli.EXTENSION_DENYLIST): jupytext's errors on every page,
            # pygments' code colours (no code shown)
            "extension_denylist": ["jupyterlab-jupytext", "jupyterlab_pygments"],
        },
    },
)
VIEWER = _config_dir(
    "viewer",
    {
        "ServerApp": {"contents_manager_class": "pmkit.hub.ReadOnlyContentsManager"},
        "MappingKernelManager": {"allowed_message_types": list(VIEWER_MESSAGES)},
    },
)
c.Spawner.environment["JUPYTER_CONFIG_PATH"] = COMMON


def _data_for(groups: list[str]) -> dict[str, str]:
    """The store URL of the user's database role, when the PMO set per-role URLs."""
    kind = "BOARD" if BOARD_GROUP in groups else "READ"
    url = os.environ.get(f"PMKIT_DATA_{kind}", "")
    return {"PMKIT_DATA": url} if url else {}


def pre_spawn_hook(spawner: object) -> None:
    """Per user: their groups (PMKIT_ROLES), where they land, and a read-only server for viewers."""
    groups = sorted(g.name for g in spawner.user.groups)  # type: ignore[attr-defined]
    env = {**spawner.environment, "PMKIT_ROLES": ",".join(groups)}  # type: ignore[attr-defined]
    env.update(_data_for(groups))
    if "analysts" in groups or spawner.user.admin:  # type: ignore[attr-defined]
        spawner.default_url = "/lab"  # type: ignore[attr-defined]
    else:
        spawner.default_url = LANDING  # type: ignore[attr-defined]
        env["JUPYTER_CONFIG_PATH"] = os.pathsep.join([VIEWER, COMMON])
    spawner.environment = env  # type: ignore[attr-defined]


c.Spawner.pre_spawn_hook = pre_spawn_hook

# ---------------------------------------------------------------- idle servers are culled
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [
            sys.executable,
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={int(os.environ.get('PMKIT_HUB_IDLE_TIMEOUT', '3600'))}",
        ],
    }
]
c.JupyterHub.load_roles = [
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    }
]
