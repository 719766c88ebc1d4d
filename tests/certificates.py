"""Throwaway TLS certificates for the cluster tests, made with the `openssl` command (no Python
dependency): a cluster CA and a certificate it signed (used by the scheduler, the workers and the
client alike, as Dask allows), and a stranger's CA and certificate, signed by that other CA."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Certificates:
    ca: Path  # the cluster's CA certificate
    cert: Path  # signed by ca
    key: Path
    other_ca: Path  # a CA the cluster does not know
    stranger_cert: Path  # signed by other_ca
    stranger_key: Path


def _openssl(*args: str, cwd: Path) -> None:
    run = subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, f"openssl {' '.join(args)}:\n{run.stderr}"


def _ca(name: str, folder: Path) -> None:
    _openssl(
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
        "-keyout", f"{name}.key", "-out", f"{name}.pem", "-subj", f"/CN={name}",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        cwd=folder,
    )


def _signed(name: str, ca: str, folder: Path) -> None:
    _openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=folder)
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial", "-days", "2",
             "-out", f"{name}.pem", cwd=folder)


def make_certificates(folder: Path) -> Certificates:
    """Write the certificates into ``folder`` (a test fails, not skips, without `openssl`)."""
    if shutil.which("openssl") is None:
        pytest.fail("the TLS tests make their certificates with the openssl command, which is missing")
    folder.mkdir(parents=True, exist_ok=True)
    _ca("cluster-ca", folder)
    _signed("node", "cluster-ca", folder)
    _ca("other-ca", folder)
    _signed("stranger", "other-ca", folder)
    return Certificates(
        ca=folder / "cluster-ca.pem", cert=folder / "node.pem", key=folder / "node.key",
        other_ca=folder / "other-ca.pem", stranger_cert=folder / "stranger.pem", stranger_key=folder / "stranger.key",
    )
