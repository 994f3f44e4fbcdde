"""``import wellby`` offers the documented public API, and stays light."""

import subprocess
import sys

import pytest

import wellby


@pytest.mark.parametrize("name", wellby.__all__)
def test_each_public_name_is_its_modules_own(name):
    value = getattr(wellby, name)
    assert value.__module__.startswith("wellby."), (name, value.__module__)
    assert value.__doc__, f"{name} has no docstring"


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no attribute 'fit_everything'"):
        wellby.fit_everything  # noqa: B018


def test_import_wellby_loads_no_statistics():
    code = ("import sys, wellby, wellby.run; "
            "print(sorted({'pandas', 'scipy', 'statsmodels'} & set(sys.modules)))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert loaded.stdout.strip() == "[]"


def test_the_version_is_the_installed_one():
    from importlib.metadata import version

    assert wellby.__version__ == version("wellby")
