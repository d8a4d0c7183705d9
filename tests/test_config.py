"""Configuration checks and packaging."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from facilitator import create_app
from facilitator.config import DEV_SECRET_KEY, TestConfig

ROOT = Path(__file__).resolve().parent.parent


def test_production_refuses_the_development_secret_key(tmp_path):
    with pytest.raises(SystemExit) as stopped:
        create_app(TestConfig, LIENZO_ENV="production", SECRET_KEY=DEV_SECRET_KEY,
                   SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/p.db")
    assert "SECRET_KEY" in str(stopped.value) and DEV_SECRET_KEY not in str(stopped.value)


def test_production_refuses_debug(tmp_path):
    with pytest.raises(SystemExit, match="debug"):
        create_app(TestConfig, LIENZO_ENV="production", SECRET_KEY="x" * 40, DEBUG=True,
                   SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/p.db")


@pytest.mark.parametrize("name", ["Lima", "America/Nowhere", "../etc/passwd", ""])
def test_a_misspelt_time_zone_stops_the_start_with_a_clear_message(tmp_path, name):
    with pytest.raises(SystemExit, match=r"TIMEZONE.*America/Lima"):
        create_app(TestConfig, TIMEZONE=name, SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/p.db")


def test_a_real_time_zone_is_taken(tmp_path):
    app = create_app(TestConfig, TIMEZONE="Europe/Madrid", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/p.db")
    assert app.config["TIMEZONE"] == "Europe/Madrid"


def test_production_starts_with_a_real_key(tmp_path):
    app = create_app(TestConfig, LIENZO_ENV="production", SECRET_KEY="x" * 40,
                     SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/p.db")
    assert app.config["LIENZO_ENV"] == "production"


def test_default_database_is_sqlite_in_the_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=None)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'instance' / 'lienzo.db'}"
    assert (tmp_path / "instance").is_dir()


def test_the_wheel_carries_templates_pages_scripts_and_translations(tmp_path):
    """``pip install .`` must give a working install: the data folders travel with it."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q",
                    "-w", str(tmp_path), str(ROOT)], check=True, capture_output=True, timeout=300)
    wheel = next(tmp_path.glob("lienzo-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    data = [n for n in names if ".data/data/share/lienzo/" in n]
    assert any(n.endswith("canvases/public-policy-lean-canvas.toml") for n in data)
    assert any(n.endswith("templates/canvas.html") for n in data)
    assert any(n.endswith("static/js/canvas.js") for n in data)
    assert any(n.endswith("static/vendor/socket.io.esm.min.js") for n in data)
    assert "facilitator/translations/es/LC_MESSAGES/messages.mo" in names
    assert any(n.startswith("facilitator/migrations/versions/0001") for n in names)
