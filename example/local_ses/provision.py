"""Set the local SES up as a real account would be set up for django_ses."""

from __future__ import annotations

from dataclasses import dataclass

import boto3

from django_ses.testing import REGION

RULE_SET_NAME = "example-rules"


@dataclass(frozen=True)
class LocalAccount:
    """What the local SES was set up with."""

    sender_domain: str
    events_topic_arn: str
    inbound_topic_arn: str
    inbound_address: str
    inbound_s3_address: str
    inbound_bucket: str
    webhook_url: str


#: The queue the events topic delivers to with ``run.py --events-via sqs``.
EVENTS_QUEUE_NAME = "example-ses-events"


def provision(
    *,
    webhook_url: str,
    sender_domain: str,
    events_topic_arn: str,
    inbound_topic_arn: str,
    inbound_address: str,
    inbound_s3_address: str,
    inbound_bucket: str,
    events_queue: bool = False,
) -> LocalAccount:
    """Verify the sender domain, create the topics and subscribe the webhook to them,
    and activate receipt rules for inbound mail, one for each kind of action:

    * mail for ``inbound_address`` is published whole to SNS (an SNS action,
      Base64), as for messages up to about 150 KB;
    * mail for ``inbound_s3_address`` is stored in ``inbound_bucket`` and SNS
      gets a notification that points at it (an S3 action), as for larger mail.

    With ``events_queue``, the events topic delivers to the SQS queue
    :data:`EVENTS_QUEUE_NAME` instead of the webhook (``run.py --events-via sqs``).

    The topic ARNs come from the settings' allow-list; the topics are created
    under those names, and a mismatch (another account or region) is an error.
    """
    ses = boto3.client("ses", region_name=REGION)
    sns = boto3.client("sns", region_name=REGION)

    ses.verify_domain_identity(Domain=sender_domain)

    for wanted in (events_topic_arn, inbound_topic_arn):
        created = sns.create_topic(Name=wanted.rsplit(":", 1)[-1])["TopicArn"]
        if created != wanted:
            raise RuntimeError(
                f"the local SES created topic {created}, but settings expect {wanted}"
            )
        if events_queue and wanted == events_topic_arn:
            sqs = boto3.client("sqs", region_name=REGION)
            queue = sqs.create_queue(QueueName=EVENTS_QUEUE_NAME)["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
            endpoint = arn["Attributes"]["QueueArn"]
            sns.subscribe(TopicArn=created, Protocol="sqs", Endpoint=endpoint)
        else:
            sns.subscribe(TopicArn=created, Protocol="http", Endpoint=webhook_url)

    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=inbound_bucket)

    existing = {rule_set["Name"] for rule_set in ses.list_receipt_rule_sets()["RuleSets"]}
    if RULE_SET_NAME not in existing:
        ses.create_receipt_rule_set(RuleSetName=RULE_SET_NAME)
        ses.create_receipt_rule(
            RuleSetName=RULE_SET_NAME,
            Rule={
                "Name": "publish-to-sns",
                "Enabled": True,
                "Recipients": [inbound_address],
                "ScanEnabled": True,
                "Actions": [{"SNSAction": {"TopicArn": inbound_topic_arn, "Encoding": "Base64"}}],
            },
        )
        ses.create_receipt_rule(
            RuleSetName=RULE_SET_NAME,
            After="publish-to-sns",
            Rule={
                "Name": "store-in-s3",
                "Enabled": True,
                "Recipients": [inbound_s3_address],
                "ScanEnabled": True,
                "Actions": [
                    {
                        "S3Action": {
                            "BucketName": inbound_bucket,
                            "ObjectKeyPrefix": "inbound/",
                            "TopicArn": inbound_topic_arn,
                        }
                    }
                ],
            },
        )
    ses.set_active_receipt_rule_set(RuleSetName=RULE_SET_NAME)

    return LocalAccount(
        sender_domain=sender_domain,
        events_topic_arn=events_topic_arn,
        inbound_topic_arn=inbound_topic_arn,
        inbound_address=inbound_address,
        inbound_s3_address=inbound_s3_address,
        inbound_bucket=inbound_bucket,
        webhook_url=webhook_url,
    )
