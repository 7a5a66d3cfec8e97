import boto3


def test_local_aws_records_calls_and_forwards_to_moto(aws):
    client = boto3.client("ses", region_name="us-east-1", endpoint_url=aws.url)
    client.verify_email_identity(EmailAddress="a@example.com")
    assert client.list_identities()["Identities"] == ["a@example.com"]
    assert [c.operation for c in aws.calls("ses")] == ["VerifyEmailIdentity", "ListIdentities"]


def test_local_aws_injects_errors_in_the_services_protocol(aws):
    import botocore.exceptions
    import pytest

    aws.fail("sesv2", "GetAccount", "TooManyRequestsException", "slow down", status=429)
    client = boto3.client("sesv2", region_name="us-east-1", endpoint_url=aws.url)
    with pytest.raises(botocore.exceptions.ClientError) as info:
        client.get_account()
    assert info.value.response["Error"]["Code"] == "TooManyRequestsException"
