"""infra/deploy.py without AWS: the config writer, outputs → environment, secrets, the dry-run plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from infra import deploy
from infra.resources import environment
from infra.template import output_environment, template
from tests.conftest import ROOT


def _outputs(stage: str) -> dict[str, str]:
    env = environment(stage)
    return {key: env[variable] for key, variable in output_environment().items()}


def test_outputs_map_to_the_environment_the_config_has() -> None:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    for stage in ("dev", "prod"):
        env = deploy.environment_from_outputs(stage, _outputs(stage))
        assert env == environment(stage)
        assert deploy.stage_config(config, stage, env) == config  # nothing to rewrite today


def test_outputs_off_the_naming_convention_are_refused() -> None:
    outputs = {**_outputs("dev"), "MentionsTableName": "someone-elses-table"}
    with pytest.raises(ValueError, match="MENTIONS_TABLE"):
        deploy.environment_from_outputs("dev", outputs)
    with pytest.raises(ValueError, match="missing"):
        deploy.environment_from_outputs("dev", {})


def test_every_template_output_the_writer_needs_exists() -> None:
    assert set(output_environment()) <= set(template("dev")["Outputs"])


def test_write_config_rewrites_only_a_changed_stage(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    original = json.loads((ROOT / ".chalice" / "config.json").read_text())
    path.write_text(json.dumps(original, indent=2) + "\n")
    assert deploy.write_config(path, "dev", environment("dev")) is False

    stale = json.loads(path.read_text())
    stale["stages"]["dev"]["environment_variables"]["TICKETS_QUEUE"] = "old-name"
    path.write_text(json.dumps(stale))
    assert deploy.write_config(path, "dev", environment("dev"), "arn:aws:lambda:eu-west-1:1:layer:x:3") is True
    written = json.loads(path.read_text())
    assert written["stages"]["dev"]["environment_variables"]["TICKETS_QUEUE"] == "mentiondesk-dev-tickets"
    assert written["stages"]["dev"]["environment_variables"]["BRANDS_FILE"] == "config/brands.json"  # kept
    assert written["stages"]["dev"]["layers"] == ["arn:aws:lambda:eu-west-1:1:layer:x:3"]
    assert written["stages"]["prod"] == original["stages"]["prod"]  # other stages untouched
    with pytest.raises(ValueError, match="not in"):
        deploy.stage_config(original, "staging", environment("staging"))


def test_secret_references_cover_the_brand_file() -> None:
    brands = {
        "brands": [
            {
                "slug": "acme",
                "networks": {"vk": {"secrets": {"secret": "ssm:/mentiondesk/acme/vk/secret"}}},
                "helpdesk": {"secrets": {"token": "secretsmanager:mentiondesk/acme/rt"}},
                "escalation": {"notify": [{"type": "slack", "secrets": {"url": "ssm:/mentiondesk/acme/slack"}}]},
            },
            {"slug": "globex", "networks": {"vk": {"secrets": {"secret": "ssm:/mentiondesk/acme/vk/secret"}}}},
        ]
    }
    found = deploy.secret_references(brands)
    assert [(s.store, s.name) for s in found] == [
        ("ssm", "/mentiondesk/acme/vk/secret"),
        ("secretsmanager", "mentiondesk/acme/rt"),
        ("ssm", "/mentiondesk/acme/slack"),
        ("ssm", "/mentiondesk/acme/vk/secret"),  # another brand's reference to the same name is listed for it
    ]
    assert found[0].command() == (
        "aws ssm put-parameter --type SecureString --name /mentiondesk/acme/vk/secret --value '...'"
    )
    assert found[1].command().startswith("aws secretsmanager create-secret --name mentiondesk/acme/rt")


def test_list_secrets_names_every_reference_of_the_shipped_brand_file(capsys: pytest.CaptureFixture[str]) -> None:
    raw = (ROOT / "functions" / "config" / "brands.json").read_text()
    references = raw.count('"ssm:') + raw.count('"secretsmanager:')
    assert deploy.main(["dev", "--list-secrets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert 0 < len(lines) <= references
    assert all(line.startswith(("aws ssm put-parameter --type SecureString", "aws secretsmanager")) for line in lines)


@pytest.mark.parametrize("attached", [True, False])
def test_dry_run_plan(attached: bool) -> None:
    steps = deploy.plan("prod", layer_attached=attached)
    assert "mentiondesk-prod" in steps[1]
    assert steps[-1] == "chalice deploy --stage prod"
    assert any("layers/build.py" in s for s in steps)
    assert any("`layers`" in s for s in steps) is attached
    assert any("NOT attached" in s for s in steps) is not attached


def test_dry_run_prints_the_plan_and_calls_no_aws(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deploy, "deploy", lambda stage: pytest.fail("--dry-run deployed"))
    assert deploy.main(["dev", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "1. generate the template" in out and "chalice deploy --stage dev" in out
    with pytest.raises(SystemExit):
        deploy.main(["nosuchstage", "--dry-run"])


def test_layer_attachment_follows_requirements(tmp_path: Path) -> None:
    layer = tmp_path / "layer.txt"
    layer.write_text("textblob==0.20.1\nnltk==3.10.4\n")
    bundled = tmp_path / "requirements.txt"
    bundled.write_text("# runtime\ntextblob==0.20.1\n")
    assert deploy.chalice_bundles_layer_packages(bundled, layer) is True
    bundled.write_text("# everything is in the layer\n")
    assert deploy.chalice_bundles_layer_packages(bundled, layer) is False


def test_template_fits_inline_and_layer_keys_match_the_parameter_pattern() -> None:
    import re

    for stage in ("dev", "prod"):
        body = template(stage)
        assert len(json.dumps(body, separators=(",", ":"))) < deploy.TEMPLATE_BODY_LIMIT
        pattern = body["Parameters"]["LayerS3Key"]["AllowedPattern"]
        assert re.fullmatch(pattern, deploy.layer_key("ab" * 32))
        assert re.fullmatch(pattern, "")
