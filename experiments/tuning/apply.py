"""Write tuned values (``{"params": {"section.key": value}}``) into the defaults of sim/params.py.

    python experiments/tuning/apply.py BEST.json

Each changed default keeps its unit, range and meaning; its source gains "; tuned (experiments/tuning)".
Values are checked against the parameter's range first (nothing is clamped).
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from sim.scenario import Scenario

PARAMS = Path(__file__).resolve().parents[2] / "sim" / "params.py"
SECTIONS = {"technology": "TechnologyParams", "open_source": "OpenSourceParams", "demand": "DemandParams",
            "capital": "CapitalParams", "talent": "TalentParams", "strategy": "StrategyParams"}


def main() -> None:
    values = json.loads(Path(sys.argv[1]).read_text())["params"]
    Scenario().with_overrides(values, origin=sys.argv[1])  # validates every value against its range
    text = PARAMS.read_text()
    for path, value in sorted(values.items()):
        section, key = path.split(".")
        cls = SECTIONS[section]
        start = text.index(f"class {cls}(")
        end = text.find("\nclass ", start + 1)
        body = text[start:end]
        pattern = re.compile(rf"(    {key}: (\w+) = P\(\s*)([^,]+),(.*?)\"([^\"]*)\"\)", re.S)
        match = pattern.search(body)
        if match is None:
            raise SystemExit(f"{path}: not found in {cls}")
        kind = match.group(2)
        literal = str(int(round(value))) if kind == "int" else f"{value:.4g}"
        if kind == "float" and "e" not in literal and "." not in literal:
            literal += ".0"
        source = match.group(5)
        if "tuned (experiments/tuning)" not in source:
            source += "; tuned (experiments/tuning)"
        new = f"{match.group(1)}{literal},{match.group(4)}\"{source}\")"
        body = body[: match.start()] + new + body[match.end():]
        text = text[:start] + body + text[end:]
    PARAMS.write_text(text)
    print(f"wrote {len(values)} defaults into {PARAMS}")


if __name__ == "__main__":
    main()
