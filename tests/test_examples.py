"""The example scripts run as documented and produce what they say."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parents[1]


def test_first_steps_runs_and_writes_its_figure(tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = subprocess.run([sys.executable, str(ROOT / "examples" / "first_steps.py"), str(out), "--seeds", "2"],
                       capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "scenario 'baseline'" in r.stdout
    assert r.stdout.count("patterns hold") == 2
    png = out / "foundation_startups.png"
    assert png.is_file()
    with Image.open(png) as im:
        assert im.width > 400 and im.height > 200
