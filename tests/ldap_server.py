"""A real OpenLDAP server (Debian's slapd) for the LDAP login tests.

`running_slapd(workdir)` writes a slapd.conf and a small directory (a reader account for the
bind DN, two people, one group) into `workdir`, loads it with slapadd, starts slapd on a free
loopback port and stops it on exit. Without slapd the tests are skipped, except under CI=true,
where they fail (scripts/test installs the package).
"""

from __future__ import annotations

import base64
import hashlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.databases import running_in_ci

SLAPD = Path("/usr/sbin/slapd")
SLAPADD = Path("/usr/sbin/slapadd")
SCHEMA_DIR = Path("/etc/ldap/schema")
MODULE_DIR = Path("/usr/lib/ldap")
START_SECONDS = 20.0

SUFFIX = "dc=example,dc=org"
ROOT_DN = f"cn=admin,{SUFFIX}"
ROOT_PASSWORD = "root-secret-1"
READER_DN = f"cn=reader,{SUFFIX}"
READER_PASSWORD = "reader-secret-1"
PEOPLE_DN = f"ou=people,{SUFFIX}"
GROUPS_DN = f"ou=groups,{SUFFIX}"
GROUP_NAME = "Editors"  # groupOfNames, members by DN
POSIX_GROUP_NAME = "Auditors"  # posixGroup, members by uid (memberUid)


@dataclass(frozen=True)
class LdapPerson:
    uid: str
    password: str
    mail: str
    given_name: str
    surname: str

    @property
    def dn(self) -> str:
        return f"uid={self.uid},{PEOPLE_DN}"


ADA = LdapPerson("ada", "analytical-engine-1", "ada@example.org", "Ada", "Lovelace")
GRACE = LdapPerson("grace", "compiler-2", "grace@example.org", "Grace", "Hopper")
PEOPLE = (ADA, GRACE)
GROUP_MEMBERS = (ADA,)  # Grace is in no groupOfNames…
POSIX_GROUP_MEMBERS = (GRACE,)  # …but in the posixGroup


@dataclass(frozen=True)
class RunningSlapd:
    url: str
    port: int
    workdir: Path


def _ssha(password: str) -> str:
    salt = os.urandom(8)
    digest = hashlib.sha1(password.encode() + salt).digest()  # LDAP {SSHA}
    return "{SSHA}" + base64.b64encode(digest + salt).decode()


def _ldif() -> str:
    blocks = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Example\ndc: example",
        f"dn: {PEOPLE_DN}\nobjectClass: organizationalUnit\nou: people",
        f"dn: {GROUPS_DN}\nobjectClass: organizationalUnit\nou: groups",
        f"dn: {READER_DN}\nobjectClass: organizationalRole\nobjectClass: simpleSecurityObject\n"
        f"cn: reader\nuserPassword: {_ssha(READER_PASSWORD)}",
    ]
    for person in PEOPLE:
        blocks.append(
            f"dn: {person.dn}\nobjectClass: inetOrgPerson\nuid: {person.uid}\n"
            f"cn: {person.given_name} {person.surname}\nsn: {person.surname}\n"
            f"givenName: {person.given_name}\nmail: {person.mail}\n"
            f"userPassword: {_ssha(person.password)}"
        )
    members = "".join(f"member: {person.dn}\n" for person in GROUP_MEMBERS)
    blocks.append(
        f"dn: cn={GROUP_NAME},{GROUPS_DN}\nobjectClass: groupOfNames\ncn: {GROUP_NAME}\n"
        + members.rstrip("\n")
    )
    uids = "".join(f"memberUid: {person.uid}\n" for person in POSIX_GROUP_MEMBERS)
    blocks.append(
        f"dn: cn={POSIX_GROUP_NAME},{GROUPS_DN}\nobjectClass: posixGroup\n"
        f"cn: {POSIX_GROUP_NAME}\ngidNumber: 5001\n" + uids.rstrip("\n")
    )
    return "\n\n".join(blocks) + "\n"


def _config(workdir: Path) -> str:
    schemas = "".join(
        f"include {SCHEMA_DIR / name}.schema\n"
        for name in ("core", "cosine", "inetorgperson", "nis")
    )
    return (
        f"{schemas}"
        f"pidfile {workdir / 'slapd.pid'}\n"
        f"argsfile {workdir / 'slapd.args'}\n"
        f"modulepath {MODULE_DIR}\n"
        "moduleload back_mdb\n"
        "database mdb\n"
        "maxsize 10485760\n"
        f'suffix "{SUFFIX}"\n'
        f'rootdn "{ROOT_DN}"\n'
        f"rootpw {ROOT_PASSWORD}\n"
        f"directory {workdir / 'data'}\n"
        "access to attrs=userPassword by self write by anonymous auth by * none\n"
        "access to * by * read\n"
    )


def slapd_or_skip() -> None:
    if SLAPD.exists() and SLAPADD.exists():
        return
    message = f"{SLAPD} is not installed (Debian package slapd; scripts/test installs it)"
    if running_in_ci():
        pytest.fail(message)
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_listening(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"slapd did not start on port {port}:\n{log.read_text(errors='replace')}")


@contextmanager
def running_slapd(workdir: Path) -> Iterator[RunningSlapd]:
    slapd_or_skip()
    (workdir / "data").mkdir(parents=True, exist_ok=True)
    config, ldif, log = workdir / "slapd.conf", workdir / "directory.ldif", workdir / "slapd.log"
    config.write_text(_config(workdir), encoding="utf-8")
    ldif.write_text(_ldif(), encoding="utf-8")
    loaded = subprocess.run(
        [str(SLAPADD), "-f", str(config), "-l", str(ldif)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if loaded.returncode != 0:
        raise RuntimeError(f"slapadd failed: {loaded.stdout}{loaded.stderr}")
    port = _free_port()
    url = f"ldap://127.0.0.1:{port}"
    with log.open("wb") as out:
        # -d 0: stay in the foreground (so we own the process), print nothing.
        process = subprocess.Popen(
            [str(SLAPD), "-h", f"{url}/", "-f", str(config), "-d", "0"],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_listening(port, process, log)
        yield RunningSlapd(url=url, port=port, workdir=workdir)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def ldap_provider_settings(name: str, server: RunningSlapd, **extra: str) -> dict[str, str]:
    """Keyword settings for an LDAP provider `name` against `server` (uid logins, the group)."""
    prefix = f"auth_{name}_"
    values = {
        "driver": "ldap",
        "client_url": server.url,
        "bind_dn": READER_DN,
        "bind_password": READER_PASSWORD,
        "user_dn": PEOPLE_DN,
        "user_attribute": "uid",
        "group_dn": GROUPS_DN,
        **extra,
    }
    return {prefix + key: value for key, value in values.items()}
