"""infra/deploy.py's pure parts without AWS: the config writer, outputs → environment, secrets, the
plan, stack states, stray SQS mappings, operator errors. The AWS side is rehearsed against moto's
server in tests/deploy/test_rehearsal.py."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from infra import deploy
from infra.resources import ARTIFACTS_ENV, environment
from infra.template import output_environment, template
from tests.conftest import ROOT


def _bucket(stage: str) -> str:
    return f"mentiondesk-{stage}-artifacts-123456789012-eu-west-1"


def _outputs(stage: str) -> dict[str, str]:
    env = {**environment(stage), ARTIFACTS_ENV: _bucket(stage)}
    return {key: env[variable] for key, variable in output_environment().items()}


def test_outputs_map_to_the_environment_the_config_has() -> None:
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    for stage in ("dev", "prod"):
        env = deploy.environment_from_outputs(stage, _outputs(stage))
        assert env == {**environment(stage), ARTIFACTS_ENV: _bucket(stage)}  # the models' bucket: from the stack
        named = {k: v for k, v in env.items() if k != ARTIFACTS_ENV}
        assert deploy.stage_config(config, stage, named) == config  # nothing to rewrite today


def test_an_artifacts_bucket_of_another_stage_is_refused() -> None:
    with pytest.raises(ValueError, match="ArtifactsBucketName"):
        deploy.environment_from_outputs("dev", {**_outputs("dev"), "ArtifactsBucketName": _bucket("prod")})


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
    assert deploy.write_config(path, "dev", environment("dev")) is True
    written = json.loads(path.read_text())
    assert written["stages"]["dev"]["environment_variables"]["TICKETS_QUEUE"] == "mentiondesk-dev-tickets"
    assert written["stages"]["dev"]["environment_variables"]["BRANDS_FILE"] == "config/brands.json"  # kept
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


def test_dry_run_plan() -> None:
    steps = deploy.plan("prod")
    assert "region and credentials" in steps[0] and "automatic_layer" in steps[0]
    assert "mentiondesk-prod" in steps[1] and "ROLLBACK_COMPLETE" in steps[1]
    assert any("policy-prod.json" in s for s in steps)
    assert any(s.startswith("chalice deploy --stage prod") for s in steps)
    assert steps[-1].startswith("store .chalice/deployed/prod.json")


def test_dry_run_prints_the_plan_and_calls_no_aws(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deploy, "deploy", lambda stage: pytest.fail("--dry-run deployed"))
    monkeypatch.setattr(deploy, "connect", lambda: pytest.fail("--dry-run connected to AWS"))
    assert deploy.main(["dev", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "2. create or update CloudFormation stack mentiondesk-dev" in out and "chalice deploy --stage dev" in out


def test_operator_errors_are_one_line_and_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert deploy.main(["nosuchstage", "--dry-run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: unknown stage 'nosuchstage'") and err.count("\n") == 1
    assert deploy.main(["prod", "--teardown"]) == 2
    err = capsys.readouterr().err
    assert "--confirm prod" in err and err.count("\n") == 1
    assert deploy.main(["prod", "--teardown", "--confirm", "dev"]) == 2


def test_a_stage_without_the_managed_layer_is_refused() -> None:
    """Its functions would deploy without requirements.txt's packages and fail at import."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    for stage in config["stages"]:
        deploy.check_stage(config, stage)  # the committed stages are fine
    broken = json.loads(json.dumps(config))
    del broken["stages"]["prod"]["automatic_layer"]
    with pytest.raises(deploy.OperatorError, match="automatic_layer"):
        deploy.check_stage(broken, "prod")
    broken["automatic_layer"] = True  # a top-level setting applies to every stage, as in Chalice
    deploy.check_stage(broken, "prod")


def test_requirements_txt_is_the_truth_about_runtime_dependencies() -> None:
    """What Chalice packs into its managed layer, fully pinned; the dev environment installs it too."""
    from layers.check import pins

    runtime = pins(ROOT / "requirements.txt")
    assert {"boto3", "requests", "textblob", "nltk", "feedparser"} <= set(runtime)
    assert "-r requirements.txt" in (ROOT / "requirements-dev.txt").read_text().splitlines()


def test_stack_states_map_to_an_action_or_to_the_fix() -> None:
    assert deploy.stack_action("dev", None) == "create"
    for status in ("CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE"):
        assert deploy.stack_action("dev", status) == "update"
    assert deploy.stack_action("dev", "ROLLBACK_COMPLETE") == "recreate"
    for status in ("CREATE_IN_PROGRESS", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "DELETE_IN_PROGRESS"):
        assert deploy.stack_action("dev", status) == "wait"
    with pytest.raises(deploy.OperatorError, match="continue-update-rollback --stack-name mentiondesk-dev"):
        deploy.stack_action("dev", "UPDATE_ROLLBACK_FAILED")
    for status in ("ROLLBACK_FAILED", "DELETE_FAILED", "CREATE_FAILED"):
        with pytest.raises(deploy.OperatorError, match="describe-stack-events"):
            deploy.stack_action("dev", status)


def _mapping(uuid: str, function: str, queue: str) -> dict[str, str]:
    return {
        "UUID": uuid,
        "FunctionArn": f"arn:aws:lambda:eu-west-1:123456789012:function:{function}",
        "EventSourceArn": f"arn:aws:sqs:eu-west-1:123456789012:{queue}",
    }


def test_stray_mappings_are_this_stages_and_unknown_to_the_state() -> None:
    mappings = [
        _mapping("known", "mentiondesk-dev-ingest_mentions", "mentiondesk-dev-mentions"),
        _mapping("stray", "mentiondesk-dev-open_tickets", "mentiondesk-dev-tickets"),
        _mapping("prod", "mentiondesk-prod-open_tickets", "mentiondesk-prod-tickets"),
        _mapping("other", "someone-elses", "mentiondesk-dev-tickets"),
        _mapping("dlq", "mentiondesk-dev-open_tickets", "mentiondesk-dev-tickets-dlq"),
    ]
    state = {"resources": [{"resource_type": "sqs_event", "event_uuid": "known"}, {"resource_type": "iam_role"}]}
    assert deploy.recorded_mappings(state) == {"known"}
    assert [m["UUID"] for m in deploy.stray_mappings("dev", mappings, deploy.recorded_mappings(state))] == ["stray"]


def test_brand_secrets_must_live_under_their_own_brand() -> None:
    brands = {
        "brands": [
            {"slug": "acme", "networks": {"vk": {"secrets": {"secret": "ssm:/mentiondesk/acme/vk/secret"}}}},
            {"slug": "globex", "networks": {"vk": {"secrets": {"secret": "ssm:/mentiondesk/acme/vk/secret"}}}},
            {"slug": "initech", "helpdesk": {"secrets": {"token": "secretsmanager:mentiondesk/initech/rt"}}},
        ]
    }
    assert [(s.brand, s.name) for s in deploy.foreign_secrets(brands)] == [("globex", "/mentiondesk/acme/vk/secret")]
    assert deploy.foreign_secrets(json.loads((ROOT / "functions" / "config" / "brands.json").read_text())) == []


def test_missing_region_or_credentials_is_one_operator_error(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    with pytest.raises(deploy.OperatorError, match="no AWS region"):
        deploy.connect()
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    with pytest.raises(deploy.OperatorError, match="no AWS credentials"):
        deploy.connect()
    monkeypatch.setenv("AWS_PROFILE", "nosuchprofile")
    with pytest.raises(deploy.OperatorError, match="nosuchprofile"):
        deploy.connect()


def test_template_fits_inline() -> None:
    for stage in ("dev", "prod"):
        assert len(json.dumps(template(stage), separators=(",", ":"))) < deploy.TEMPLATE_BODY_LIMIT


def test_chalice_validates_every_stage_of_the_committed_config() -> None:
    """`chalice deploy` runs this before its first AWS call; `chalice package` and `local` do not."""
    from chalice.cli.factory import CLIFactory
    from chalice.deploy.validate import validate_configuration

    for stage in json.loads((ROOT / ".chalice" / "config.json").read_text())["stages"]:
        factory = CLIFactory(str(ROOT), environ={**os.environ, "AWS_DEFAULT_REGION": "eu-west-1"})
        validate_configuration(factory.create_config_obj(chalice_stage_name=stage))
