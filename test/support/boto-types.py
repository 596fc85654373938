"""What a boto3/botocore user gets from the service, by Python type: reads one
metric with GetMetricStatistics and GetMetricData over the CloudWatch
protocol named on the command line (smithy-rpc-v2-cbor, json or query) and
prints, as JSON, each value with the name of its Python type.

botocore picks a service's protocol from its model: for json and query this
script points AWS_DATA_PATH at a copy of the model that names only that one.

PROTOCOL "debian" reads with the botocore that Debian's aws CLI 2.9 bundles
(`/usr/bin/python3`, awsQuery, as Debian's boto3 1.26 speaks it).

usage: python3 boto-types.py ENDPOINT PROTOCOL NAMESPACE METRIC START END
(credentials and region from the environment; START and END epoch seconds)
"""
import datetime
import gzip
import json
import os
import sys
import tempfile

endpoint, protocol, namespace, metric, start, end = sys.argv[1:7]

if protocol not in ("smithy-rpc-v2-cbor", "debian"):
    import botocore

    source = os.path.join(os.path.dirname(botocore.__file__), "data", "cloudwatch", "2010-08-01", "service-2.json.gz")
    with gzip.open(source) as f:
        model = json.load(f)
    model["metadata"]["protocol"] = protocol
    model["metadata"]["protocols"] = [protocol]
    data = tempfile.mkdtemp()
    os.makedirs(os.path.join(data, "cloudwatch", "2010-08-01"))
    with open(os.path.join(data, "cloudwatch", "2010-08-01", "service-2.json"), "w") as f:
        json.dump(model, f)
    os.environ["AWS_DATA_PATH"] = data

if protocol == "debian":
    from awscli.botocore.session import get_session

    client = get_session().create_client("cloudwatch", endpoint_url=endpoint)
else:
    import boto3  # noqa: E402  (after AWS_DATA_PATH is set)

    client = boto3.client("cloudwatch", endpoint_url=endpoint)
start_time = datetime.datetime.fromtimestamp(float(start), datetime.timezone.utc)
end_time = datetime.datetime.fromtimestamp(float(end), datetime.timezone.utc)


def typed(v):
    if isinstance(v, dict):
        return {k: typed(x) for k, x in v.items() if k != "ResponseMetadata"}
    if isinstance(v, list):
        return [typed(x) for x in v]
    if isinstance(v, datetime.datetime):
        return ["datetime", v.timestamp()]
    return [type(v).__name__, v]


stats = client.get_metric_statistics(
    Namespace=namespace, MetricName=metric, StartTime=start_time, EndTime=end_time, Period=60, Statistics=["Sum", "SampleCount"]
)
data = client.get_metric_data(
    MetricDataQueries=[{"Id": "m1", "MetricStat": {"Metric": {"Namespace": namespace, "MetricName": metric}, "Period": 60, "Stat": "Sum"}}],
    StartTime=start_time,
    EndTime=end_time,
)
print(json.dumps({"protocol": client.meta.service_model.protocol, "stats": typed(stats), "data": typed(data)}))
