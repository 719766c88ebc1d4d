"""The link to a Dask cluster, checked before any connection (a tls:// address and its files), and
what the client accepts from a worker: plain data of a report of the file it sent, nothing else.
(The cluster itself runs in tests/e2e/test_cluster.py.)"""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from typer.testing import CliRunner

from tests.certificates import make_certificates
from tests.conftest import EXAMPLES
from workbook.cli import app
from workbook.params import load_params
from workbook.reports import cluster
from workbook.reports.cluster import ClusterError, Refused, Tls, accept, link
from workbook.reports.freshness import render_key
from workbook.summary import summarise


def refusal(**kwargs) -> str:
    with pytest.raises(ClusterError) as caught:
        link(**kwargs)
    return str(caught.value)


def test_a_tls_link_names_the_option_and_file_at_fault_before_connecting(tmp_path):
    certs = make_certificates(tmp_path / "certs")
    address = "tls://10.0.0.5:8786"
    assert link(address, 5, certs.ca, certs.cert, certs.key).tls == Tls(certs.ca, certs.cert, certs.key)
    both = tmp_path / "both.pem"  # the key in the certificate's own file: no --tls-key
    both.write_bytes(certs.cert.read_bytes() + certs.key.read_bytes())
    assert link(address, 5, certs.ca, both).tls == Tls(certs.ca, both, None)

    assert "tcp://HOST:PORT (or tls://HOST:PORT)" in refusal(address="10.0.0.5:8786")
    missing_files = refusal(address=address)
    assert "needs --tls-ca-file" in missing_files and "and --tls-cert" in missing_files
    assert refusal(address=address, tls_ca_file=certs.ca, tls_key=certs.key).startswith(f"--scheduler {address}: a tls:// scheduler needs")
    assert "given with a tcp:// address, which is not encrypted" in refusal(address="tcp://10.0.0.5:8786", tls_cert=certs.cert)

    nowhere = tmp_path / "nowhere.pem"
    assert refusal(address=address, tls_ca_file=certs.ca, tls_cert=nowhere, tls_key=certs.key) == f"--tls-cert {nowhere}: no such file"
    assert refusal(address=address, tls_ca_file=tmp_path, tls_cert=certs.cert) == f"--tls-ca-file {tmp_path}: a folder, not a file"
    if os.geteuid() != 0:  # root reads any file
        locked = tmp_path / "locked.key"
        locked.write_bytes(certs.key.read_bytes())
        locked.chmod(0)
        assert refusal(address=address, tls_ca_file=certs.ca, tls_cert=certs.cert, tls_key=locked).startswith(f"--tls-key {locked}: cannot read it")
    words = tmp_path / "words.pem"
    words.write_text("not a certificate\n", encoding="utf-8")
    assert refusal(address=address, tls_ca_file=words, tls_cert=certs.cert, tls_key=certs.key).startswith(f"--tls-ca-file {words}: not a PEM certificate (")
    assert refusal(address=address, tls_ca_file=certs.ca, tls_cert=certs.cert, tls_key=certs.stranger_key).startswith(
        f"--tls-cert {certs.cert} with --tls-key {certs.stranger_key}: not a PEM certificate and its private key ("
    )
    assert "or give the key with --tls-key" in refusal(address=address, tls_ca_file=certs.ca, tls_cert=certs.cert)
    locked_key = tmp_path / "passphrase.key"
    subprocess.run(["openssl", "pkey", "-in", str(certs.key), "-aes256", "-passout", "pass:secret", "-out", str(locked_key)], check=True, capture_output=True)
    assert "protected by a passphrase" in refusal(address=address, tls_ca_file=certs.ca, tls_cert=certs.cert, tls_key=locked_key)


def test_report_says_in_one_line_what_the_tls_link_lacks(tmp_path):
    runner = CliRunner()
    out = tmp_path / "out"
    run = runner.invoke(app, ["report", str(EXAMPLES[0]), "--out", str(out), "--scheduler", "tls://127.0.0.1:8786"])
    assert run.exit_code == 2
    assert run.output.splitlines()[0].startswith("error: --scheduler tls://127.0.0.1:8786: a tls:// scheduler needs --tls-ca-file")
    assert run.output.splitlines()[1:] == ["Nothing rendered."] and not out.exists()
    alone = runner.invoke(app, ["report", str(EXAMPLES[0]), "--out", str(out), "--tls-cert", str(tmp_path / "c.pem")])
    assert alone.exit_code == 2 and "are for a tls:// --scheduler; none was given" in alone.output and not out.exists()


# --------------------------------------------------------------------------------------------
# What a worker sends back


@pytest.fixture(scope="module")
def example():
    data = EXAMPLES[0].read_bytes()
    summary = summarise(load_params(EXAMPLES[0]), "/tmp/wbk-remote-x/" + EXAMPLES[0].name)
    return data, summary


def answer(data: bytes, summary: dict, **changes) -> dict:
    """What render_remote sends back for a rendered report, with ``changes``."""
    files = {"report.ipynb": b"{}", "report.html": b"<!DOCTYPE html>", "render.json": json.dumps(render_key(data)).encode()}
    return {"ok": True, "reason": "", "worker_path": "/tmp/wbk-remote-x/a.yaml", "files": files, "summary": json.dumps(summary), **changes}


def refused(value: object, data: bytes, slug: str, **asked: bool) -> str:
    with pytest.raises(Refused) as caught:
        accept(value, data, slug, **asked)
    return str(caught.value)


def test_a_workers_answer_is_taken_as_plain_data_of_the_file_sent_or_refused(example, monkeypatch):
    data, summary = example
    slug = summary["slug"]
    good = accept(answer(data, summary), data, slug)
    assert good.ok and set(good.files) == {"report.ipynb", "report.html", "render.json"}
    assert good.summary["slug"] == slug and good.summary["npv"] == summary["npv"]
    failed = accept(answer(data, summary, ok=False, reason="x" * 10_000, files={}), data, slug)
    assert not failed.ok and len(failed.reason) == cluster.MAX_REASON_CHARS

    files = answer(data, summary)["files"]
    assert refused(["not", "a", "dict"], data, slug) == "not a report answer (got list)"
    assert refused({**answer(data, summary), "extra": 1}, data, slug).startswith("not a report answer")
    assert refused(answer(data, summary, ok="yes"), data, slug) == "a field of the answer is of the wrong type"
    # only a report's file names: nothing that could land outside the report's folder
    assert refused(answer(data, summary, files={**files, "../../.bashrc": b"x"}), data, slug) == "a file that is not part of a report: '../../.bashrc'"
    assert refused(answer(data, summary, files={**files, "summary.json": b"{}"}), data, slug).startswith("a file that is not part of a report")
    assert refused(answer(data, summary, files={k: v for k, v in files.items() if k != "report.html"}), data, slug) == "the report lacks report.html"
    assert refused(answer(data, summary), data, slug, pdf=True) == "the report lacks report.pdf"
    assert refused(answer(data, summary, files={**files, "report.html": "<html>"}), data, slug) == "report.html is not bytes"
    monkeypatch.setattr(cluster, "MAX_FILE_BYTES", 100)
    assert refused(answer(data, summary, files={**files, "report.html": b"x" * 101}), data, slug) == "report.html holds 101 bytes, more than the 100 a report file may"
    monkeypatch.undo()
    # the render key records the bytes sent, and what was asked for
    other_key = {**files, "render.json": json.dumps(render_key(data + b"\n")).encode()}
    assert refused(answer(data, summary, files=other_key), data, slug).startswith("render.json does not record this file's bytes")
    # the summary: strict JSON of the contract, for this alliance
    nan = json.dumps(summary).replace('"npv": ', '"npv": NaN, "x": ', 1)
    assert refused({**answer(data, summary), "summary": nan}, data, slug) == "the summary holds NaN, which is not JSON"
    assert refused(answer(data, {k: v for k, v in summary.items() if k != "npv"}), data, slug) == "the summary is not the summary contract: npv: Field required"
    assert refused(answer(data, {**summary, "flags": "none"}), data, slug).startswith("the summary is not the summary contract: flags:")
    assert refused(answer(data, summary), data, "another-alliance") == f"the summary is of another alliance ({slug!r}, not 'another-alliance')"
