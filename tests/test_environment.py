"""environment.yml (conda, Binder) and pyproject.toml describe the same environment."""

import sys

import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def normalised(spec):
    r = Requirement(spec)
    return canonicalize_name(r.name), str(r.specifier), str(r.marker or "")


def test_environment_yml_matches_pyproject(root):
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((root / "environment.yml").read_text())
    assert env["channels"] == ["conda-forge"]
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    python = [d for d in conda if Requirement(d).name == "python"]
    assert [str(Requirement(p).specifier) for p in python] == [project["requires-python"]]
    listed = {normalised(d) for d in conda + pip if Requirement(d).name not in ("python", "pip")}
    assert listed == {normalised(d) for d in project["dependencies"]}
