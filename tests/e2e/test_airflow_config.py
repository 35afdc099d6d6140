"""airflow.cfg from the airflow orchestrator's settings (fast: no Airflow needed)."""

from __future__ import annotations

import configparser

from meltano.core.plugins.airflow import is_airflow, render_config
from meltano.core.plugins.project_plugin import ProjectPlugin
from meltano.core.plugins.types import PluginType


def test_dotted_settings_become_sections() -> None:
    text = render_config(
        {
            "core": {"dags_folder": "/p/dags", "load_examples": False, "parallelism": 4},
            "database": {"sql_alchemy_conn": "sqlite:////p/a.db?x=%s"},
            "logging": {"remote": {"base": "s3://b"}},
            "stray": "ignored",
        }
    )
    parser = configparser.ConfigParser(interpolation=None)
    parser.read_string(text)
    assert parser["core"]["dags_folder"] == "/p/dags"
    assert parser["core"]["load_examples"] == "False"
    assert parser["core"]["parallelism"] == "4"
    assert parser["database"]["sql_alchemy_conn"] == "sqlite:////p/a.db?x=%s"
    assert parser["logging"]["remote.base"] == "s3://b"
    assert parser.sections() == ["core", "database", "logging"]


def test_only_the_airflow_orchestrator_gets_a_config() -> None:
    assert is_airflow(ProjectPlugin(PluginType.ORCHESTRATORS, "airflow", "airflow"))
    assert is_airflow(ProjectPlugin(PluginType.ORCHESTRATORS, "af2", "af2", inherit_from="airflow"))
    assert not is_airflow(ProjectPlugin(PluginType.UTILITIES, "airflow", "airflow"))
    assert not is_airflow(ProjectPlugin(PluginType.ORCHESTRATORS, "dagster", "dagster"))
