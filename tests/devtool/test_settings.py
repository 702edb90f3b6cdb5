"""ServiceSettings.from_env: defaults, variables, .env, errors naming the variable."""

from __future__ import annotations

from pathlib import Path

import pytest

from imgworker.devtool.settings import ServiceSettings


def test_defaults_bind_loopback(tmp_path: Path) -> None:
    s = ServiceSettings.from_env({}, env_file=str(tmp_path / "missing.env"))
    assert (s.host, s.port, s.max_jobs, s.log_level) == ("127.0.0.1", 8000, 2, "info")
    assert s.uploads_dir == Path(".imgworker/devtool/uploads")
    assert s.worker.embedded and s.worker.secure_token is None


def test_variables_and_env_file(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text("IMGWORKER_PORT=9001\nIMGIX_SECURE_TOKEN=from-file\nIMGWORKER_MAX_JOBS=4\n")
    s = ServiceSettings.from_env({"IMGWORKER_PORT": "9100", "IMGWORKER_DEVTOOL_DIR": str(tmp_path)}, str(env_file))
    assert s.port == 9100  # the environment wins over .env
    assert s.max_jobs == 4 and s.worker.secure_token == "from-file"
    assert s.outputs_dir == tmp_path / "outputs"


@pytest.mark.parametrize(
    ("env", "text"),
    [
        ({"IMGWORKER_PORT": "eighty"}, "IMGWORKER_PORT"),
        ({"IMGWORKER_MAX_JOBS": "0"}, "IMGWORKER_MAX_JOBS"),
        ({"IMGWORKER_LOG_LEVEL": "loud"}, "IMGWORKER_LOG_LEVEL"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], text: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=text):
        ServiceSettings.from_env(env, env_file=str(tmp_path / "none"))
