"""Amazon SNS: publish to a topic (e-mail, SMS or a pager subscribed to it). Settings: `topic_arn`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from functions.core.tickets import HelpdeskError
from functions.runtime import aws


def send(settings: Mapping[str, Any], secrets: Mapping[str, str], text: str) -> None:
    topic = settings.get("topic_arn")
    if not topic:
        raise HelpdeskError("sns notifier needs the setting 'topic_arn'")
    aws.sns().publish(TopicArn=str(topic), Subject="mentiondesk escalation", Message=text)
