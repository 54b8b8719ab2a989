"""infra/deploy.py without AWS: the config writer, outputs → environment, secrets, the dry-run plan,
and the whole deploy against fake CloudFormation/S3 clients (the layer ARN reaches the config
before `chalice deploy` runs)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError

from infra import deploy
from infra.resources import environment
from infra.template import LAYER_PARAMETER, output_environment, template
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


def test_dry_run_plan() -> None:
    steps = deploy.plan("prod")
    assert "requirements.txt" in steps[0]
    assert "mentiondesk-prod" in steps[2]
    assert steps[-1].startswith("chalice deploy --stage prod")
    assert any("layers/build.py" in s for s in steps)
    assert any("`layers` = [the DependencyLayerArn output]" in s for s in steps)
    stopped = deploy.plan("prod", layer_attached=False)
    assert stopped[-1].startswith("STOP") and not any("chalice deploy" in s for s in stopped)


def test_dry_run_prints_the_plan_and_calls_no_aws(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deploy, "deploy", lambda stage: pytest.fail("--dry-run deployed"))
    assert deploy.main(["dev", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "2. generate the template" in out and "chalice deploy --stage dev" in out
    assert "has the placeholder: arn:aws:lambda:us-east-1:000000000000:layer:mentiondesk-dev-dependencies:1" in out
    with pytest.raises(SystemExit):
        deploy.main(["nosuchstage", "--dry-run"])


def test_layer_packages_in_requirements_txt_stop_the_deploy(tmp_path: Path) -> None:
    layer = tmp_path / "layer.txt"
    layer.write_text("textblob==0.20.1\nnltk==3.10.4\n")
    bundled = tmp_path / "requirements.txt"
    bundled.write_text("# runtime\ntextblob==0.20.1\n")
    assert deploy.chalice_bundles_layer_packages(bundled, layer) is True
    with pytest.raises(SystemExit, match="textblob"):
        deploy.check_requirements(bundled, layer)
    bundled.write_text("# everything is in the layer\n")
    assert deploy.chalice_bundles_layer_packages(bundled, layer) is False
    deploy.check_requirements(bundled, layer)
    assert deploy.chalice_bundles_layer_packages() is False  # the committed files
    deploy.check_requirements()


def test_committed_config_carries_a_placeholder_layer_per_stage() -> None:
    """`chalice package` works offline with it; a deploy never runs with it."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    for stage in config["stages"]:
        layers = deploy.configured_layers(config, stage)
        assert len(layers) == 1
        deploy.check_layer_arn(stage, layers[0], placeholder_ok=True)
    assert deploy.configured_layers(config, "dev") == [deploy.placeholder_layer_arn("dev")]


def test_layer_arns_are_checked() -> None:
    real = "arn:aws:lambda:eu-west-1:123456789012:layer:mentiondesk-prod-dependencies:12"
    deploy.check_layer_arn("prod", real, placeholder_ok=False)
    with pytest.raises(ValueError, match="placeholder"):
        deploy.check_layer_arn("prod", deploy.placeholder_layer_arn("prod"), placeholder_ok=False)
    with pytest.raises(ValueError, match="not a version"):
        deploy.check_layer_arn("dev", real, placeholder_ok=True)  # another stage's layer
    with pytest.raises(ValueError, match="not a version"):
        deploy.check_layer_arn("prod", real.rsplit(":", 1)[0], placeholder_ok=False)  # no version


LAYER_ARN = "arn:aws:lambda:eu-west-1:123456789012:layer:mentiondesk-dev-dependencies:4"


class FakeCloudFormation:
    """Just enough of a CloudFormation client for `_deploy_stack`: one stack, the layer parameter."""

    exceptions = SimpleNamespace(ClientError=ClientError)

    def __init__(self, stage: str, *, publishes_layer: bool = True) -> None:
        self.stage, self.publishes_layer = stage, publishes_layer
        self.key: str | None = None  # None: no stack yet
        self.calls: list[tuple[str, str]] = []

    def describe_stacks(self, StackName: str) -> dict[str, Any]:  # noqa: N803 (boto3's names)
        if self.key is None:
            raise ClientError({"Error": {"Code": "ValidationError", "Message": "Stack does not exist"}}, "Describe")
        outputs = {**{k: environment(self.stage)[v] for k, v in output_environment().items()}}
        outputs["ArtifactsBucketName"] = "artifacts"
        if self.key and self.publishes_layer:
            outputs["DependencyLayerArn"] = LAYER_ARN
        return {"Stacks": [{"Outputs": [{"OutputKey": k, "OutputValue": v} for k, v in outputs.items()]}]}

    def _apply(self, verb: str, Parameters: list[dict[str, Any]], **_: Any) -> None:  # noqa: N803
        (parameter,) = Parameters
        assert parameter["ParameterKey"] == LAYER_PARAMETER
        if not parameter.get("UsePreviousValue"):
            self.key = parameter["ParameterValue"]
        self.calls.append((verb, str(self.key)))

    def create_stack(self, OnFailure: str, **arguments: Any) -> None:  # noqa: N803
        self._apply("create", **arguments)

    def update_stack(self, **arguments: Any) -> None:
        self._apply("update", **arguments)

    def get_waiter(self, name: str) -> Any:
        return SimpleNamespace(wait=lambda **_: None)


class FakeS3:
    exceptions = SimpleNamespace(ClientError=ClientError)

    def __init__(self) -> None:
        self.uploaded: list[str] = []

    def head_object(self, Bucket: str, Key: str) -> None:  # noqa: N803
        raise ClientError({"Error": {"Code": "404", "Message": "Not Found"}}, "HeadObject")

    def upload_file(self, path: str, bucket: str, key: str) -> None:
        self.uploaded.append(key)


def _config_copy(tmp_path: Path) -> Path:
    path = tmp_path / "config.json"
    path.write_text((ROOT / ".chalice" / "config.json").read_text())
    return path


def test_deploy_writes_the_layer_arn_before_chalice_deploy(tmp_path: Path) -> None:
    config = _config_copy(tmp_path)
    cloudformation, s3 = FakeCloudFormation("dev"), FakeS3()
    ran: list[tuple[list[str], list[str]]] = []

    def run(command: list[str], **_: Any) -> None:  # chalice deploy: what it would read, when it runs
        ran.append((command, json.loads(config.read_text())["stages"]["dev"]["layers"]))

    deploy.deploy(
        "dev",
        cloudformation=cloudformation,
        s3=s3,
        build=lambda: {"sha256": "ab" * 32, "out": "build/layer.zip"},
        run=run,
        config=config,
    )
    key = deploy.layer_key("ab" * 32)
    assert cloudformation.calls == [("create", ""), ("update", key)]  # stack first (the bucket), then the layer
    assert s3.uploaded == [key]
    assert [(command[1:], layers) for command, layers in ran] == [(["deploy", "--stage", "dev"], [LAYER_ARN])]
    written = json.loads(config.read_text())
    original = json.loads((ROOT / ".chalice" / "config.json").read_text())
    assert written["stages"]["prod"] == original["stages"]["prod"]
    assert written["stages"]["dev"]["lambda_functions"] == original["stages"]["dev"]["lambda_functions"]


def test_deploy_stops_without_a_published_layer(tmp_path: Path) -> None:
    config = _config_copy(tmp_path)
    with pytest.raises(RuntimeError, match="DependencyLayerArn"):
        deploy.deploy(
            "dev",
            cloudformation=FakeCloudFormation("dev", publishes_layer=False),
            s3=FakeS3(),
            build=lambda: {"sha256": "cd" * 32, "out": "build/layer.zip"},
            run=lambda *a, **k: pytest.fail("chalice deploy ran without the layer"),
            config=config,
        )
    assert config.read_text() == (ROOT / ".chalice" / "config.json").read_text()


def test_template_fits_inline_and_layer_keys_match_the_parameter_pattern() -> None:
    import re

    for stage in ("dev", "prod"):
        body = template(stage)
        assert len(json.dumps(body, separators=(",", ":"))) < deploy.TEMPLATE_BODY_LIMIT
        pattern = body["Parameters"]["LayerS3Key"]["AllowedPattern"]
        assert re.fullmatch(pattern, deploy.layer_key("ab" * 32))
        assert re.fullmatch(pattern, "")
