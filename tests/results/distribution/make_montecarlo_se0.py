"""Freeze the Monte Carlo of the cost-benefit case as it was before the conversion factor
could be drawn (cba.mapping.std_error), for the bit-identical test with a standard error of 0.

Run from the project root with the commit to freeze as the first argument:

    .venv/bin/python tests/results/distribution/make_montecarlo_se0.py <commit>

It loads ``src/wellby/valuation/uncertainty.py`` as it is in that commit (``git show``) and
writes ``montecarlo_se0.csv``: the summary and the first 20 draws of two cases (a mapping
factor of 0.26 per SWEMWBS point, and life satisfaction), every number printed with 17
significant digits so that it reads back exactly.
"""

import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

from wellby.valuation.inputs import cba_inputs

HERE = Path(__file__).parent
CASES = {
    "swemwbs_mapping": ({"population": 30_000, "duration_years": 4, "first_benefit_year": 2,
                         "costs": {"0": 5e6, "1": 5e6}, "outcome": "swemwbs",
                         "mapping": {"factor": 0.26, "source": "test"}}, 1.46, 0.5),
    "life_satisfaction": ({"population": 1000, "duration_years": 2, "first_benefit_year": 1,
                           "costs": {"0": 2_000_000}, "discounting": "standard"}, 0.1, 0.04),
}


def load_committed(commit: str):
    source = subprocess.run(["git", "show", f"{commit}:src/wellby/valuation/uncertainty.py"],
                            check=True, capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "uncertainty_committed.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("uncertainty_committed", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def main(commit: str) -> None:
    module = load_committed(commit)
    frames = []
    for case, (settings, effect, std_error) in CASES.items():
        result = module.monte_carlo(cba_inputs(settings), effect, std_error)
        summary = result.summary().drop(columns=["value_distribution"]).iloc[0]
        rows = [{"case": case, "what": "summary", "column": k, "row": -1, "value": v}
                for k, v in summary.items()]
        head = result.draws.head(20)
        rows += [{"case": case, "what": "draw", "column": c, "row": i, "value": head[c].iloc[i]}
                 for c in head.columns for i in range(len(head))]
        frames.append(pd.DataFrame(rows))
    table = pd.concat(frames, ignore_index=True)
    table["commit"] = commit
    table.to_csv(HERE / "montecarlo_se0.csv", index=False, float_format="%.17g")


if __name__ == "__main__":
    main(sys.argv[1])
