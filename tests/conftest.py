import os
import random
import sys

import pytest
from hypothesis import settings

# CI draws the same hypothesis examples every run, so a failure there reproduces here with CI=true;
# local runs keep exploring new ones.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

sys.path.insert(0, os.path.dirname(__file__))

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, "data")


def mutate(rng: random.Random, seq: str, rate: float) -> str:
    """Random edits at ``rate`` per base: 60% substitutions, 20% deletions, 20% insertions."""
    out = []
    for base in seq:
        r = rng.random()
        if r < rate * 0.6:
            out.append(rng.choice("ACGT"))
        elif r < rate * 0.8:
            continue
        elif r < rate:
            out.append(base)
            out.append(rng.choice("ACGT"))
        else:
            out.append(base)
    return "".join(out)


def random_seq(rng: random.Random, length: int, alphabet: str = "ACGT") -> str:
    return "".join(rng.choice(alphabet) for _ in range(length))


@pytest.fixture(scope="session", autouse=True)
def index_stamps(tmp_path_factory):
    """Runs remember the index files whose digests matched (``mapper.indexcheck``): in a
    temporary folder, never the user's cache (subprocesses inherit it)."""
    old = os.environ.get("PIMALIGN_CACHE_DIR")
    os.environ["PIMALIGN_CACHE_DIR"] = str(tmp_path_factory.mktemp("pimalign-cache"))
    yield
    if old is None:
        del os.environ["PIMALIGN_CACHE_DIR"]
    else:
        os.environ["PIMALIGN_CACHE_DIR"] = old


@pytest.fixture
def rng():
    return random.Random(12345)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """The workflow on the bundled demo, default config less the PIM estimate, run once for
    test_workflow.py's tests and test_slurm.py's comparison (``test_workflow.run_demo``). Only
    new files are added to its folder afterwards (the PIM estimates, a report, a whole-input
    BAM): the outputs compared are as the run wrote them."""
    from test_workflow import run_demo

    return run_demo(tmp_path_factory.mktemp("demo"))
