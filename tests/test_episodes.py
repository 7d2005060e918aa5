"""The lesson text: Workbench structure, episode order, and figures that exist."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
EPISODES = sorted((ROOT / "episodes").glob("[0-9][0-9]-*.md"))
REQUIRED_STEPS = [
    "01-introduction", "02-image-data", "03-convolution-by-hand", "04-building-the-cnn",
    "05-going-deeper", "06-training", "07-evaluating", "08-sharing",
]


def test_config_lists_every_episode_in_order():
    config = yaml.safe_load((ROOT / "config.yaml").read_text())
    assert config["episodes"] == [p.name for p in EPISODES]
    assert [Path(name).stem for name in config["episodes"]] == REQUIRED_STEPS
    assert (ROOT / "learners" / "setup.md").is_file()
    assert (ROOT / "instructors" / "instructor-notes.md").is_file()


@pytest.mark.parametrize("episode", EPISODES, ids=lambda p: p.stem)
def test_episode_has_the_workbench_structure(episode):
    text = episode.read_text()
    front = yaml.safe_load(text.split("---", 2)[1])
    assert set(front) >= {"title", "teaching", "exercises"}
    assert isinstance(front["teaching"], int) and isinstance(front["exercises"], int)
    for block in ("questions", "objectives", "keypoints", "challenge", "solution"):
        assert re.search(rf"^:{{3,}} *{block}\s*$", text, re.M), f"no ::: {block} block"
    # every fenced div is closed: as many closing fences as opening ones
    opening = len(re.findall(r"^:{3,} *\w+\s*$", text, re.M))
    closing = len(re.findall(r"^:{3,}\s*$", text, re.M))
    assert opening == closing


@pytest.mark.parametrize("episode", EPISODES, ids=lambda p: p.stem)
def test_episode_figures_exist_in_fig(episode):
    text = episode.read_text()
    for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)", text):
        assert target.startswith("../fig/"), f"{target}: the episodes show figures from fig/ only"
        assert (ROOT / "episodes" / target).resolve().is_file(), target
