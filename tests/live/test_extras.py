"""A missing optional extra is one line and exit 2."""

from __future__ import annotations

import pytest

from podfit.errors import InputError, MissingExtraError
from podfit.extras import require


def test_present_modules_pass() -> None:
    require("live", "json", "os.path")


@pytest.mark.parametrize("module", ["podfit_no_such_module", "podfit_no_such_pkg.sub"])
def test_missing_module_names_extra_and_install_command(module: str) -> None:
    with pytest.raises(MissingExtraError) as info:
        require("live", module, feature="serve-podresources")
    assert isinstance(info.value, InputError)
    text = str(info.value)
    assert "serve-podresources needs the optional extra 'live'" in text
    assert "pip install 'podfit[live]'" in text
    assert "\n" not in text
